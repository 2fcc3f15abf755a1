# lit configuration for cvc's FileCheck tests.
import os
import lit.formats

config.name = "cvc"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".mlir", ".onnxtxt", ".cvm", ".test"]
config.excludes = ["Inputs", "lit.cfg.py", "lit.site.cfg.py"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.cvc_obj_root, "test", "lit")

config.environment["PATH"] = os.pathsep.join(
    [config.cvc_tools_dir, config.llvm_tools_dir, config.environment.get("PATH", os.environ["PATH"])])
config.substitutions.append(("%python", "/usr/bin/python3"))
config.substitutions.append(("%cvc_src", config.cvc_src_root))

# A sanitized build's run (scripts/sanitize.sh) preloads the sanitizer's
# runtime and sets its options; the tools under test need both.
for name in ("LD_PRELOAD", "ASAN_OPTIONS", "UBSAN_OPTIONS", "TSAN_OPTIONS", "CVC_CACHE_DIR"):
    if name in os.environ:
        config.environment[name] = os.environ[name]
