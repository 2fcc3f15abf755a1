//===- CvTarget.td - the machine a module is compiled for ---*- tablegen -*-===//

#ifndef CV_TARGET_TD
#define CV_TARGET_TD

include "cv/CvDialect.td"
include "mlir/IR/AttrTypeBase.td"

def Cv_TargetAttr : AttrDef<Cv_Dialect, "Target"> {
  let mnemonic = "target";
  let summary = "The machine a module is compiled for, resolved once.";
  let description = [{
    The driver resolves the target once (`--target`, default the host with
    the features its CPU really has) and attaches it to the module as
    `cv.target`; every later stage reads it from there. `halide` is the
    Halide target string the kernels are compiled for; `vector_width` the
    float32 lanes of one natural vector (the unit of vectorised loops);
    `block` the channel block of the NCHW[b]c layout the passes choose
    (block sizes of blocked tensors are then read from their types);
    `cores` the threads the schedules are chosen for.

    ```mlir
    module attributes {cv.target = #cv.target<"x86-64-linux-avx512_skylake", vector_width = 16, block = 16, cores = 2>} {}
    ```
  }];
  let parameters = (ins StringRefParameter<"Halide target string">:$halide,
                        "int64_t":$vectorWidth, "int64_t":$block, "int64_t":$cores);
  let assemblyFormat = "`<` $halide `,` `vector_width` `=` $vectorWidth `,` `block` `=` $block "
                       "`,` `cores` `=` $cores `>`";
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// The module attribute holding it.
    static constexpr ::llvm::StringLiteral kAttrName = "cv.target";
    /// The target `module` carries, or null.
    static TargetAttr of(::mlir::Operation *module);
  }];
}

#endif // CV_TARGET_TD
