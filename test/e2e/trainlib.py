"""ctypes access to a model.so compiled with `cvc --train`: run its entry
points, read and write its states. Used by the training tests to compare a
step with PyTorch's on identical weights and batch."""
import ctypes

import numpy as np

MAX_RANK = 8


class TensorInfo(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("type", ctypes.c_int), ("rank", ctypes.c_int32),
                ("dims", ctypes.c_int64 * MAX_RANK)]


class Tensor(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("type", ctypes.c_int), ("rank", ctypes.c_int32),
                ("dims", ctypes.c_int64 * MAX_RANK)]


class StateInfo(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("elements", ctypes.c_uint64)]


class SliceInfo(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("state", ctypes.c_int32), ("offset", ctypes.c_uint64),
                ("rank", ctypes.c_int32), ("dims", ctypes.c_int64 * MAX_RANK)]


class CvcError(Exception):
    pass


class Model:
    """One loaded model.so and one session on it."""

    def __init__(self, path, threads=0):
        self.lib = lib = ctypes.CDLL(path)
        vp = ctypes.c_void_p
        lib.cvc_status_message.restype = ctypes.c_char_p
        lib.cvc_status_message.argtypes = [vp]
        lib.cvc_status_free.argtypes = [vp]
        lib.cvc_model_entry_name.restype = ctypes.c_char_p
        lib.cvc_model_entry_name.argtypes = [vp, ctypes.c_size_t]
        for name in ["cvc_model_get", "cvc_session_create", "cvc_model_find_entry",
                     "cvc_model_entry_input_info", "cvc_model_entry_output_info",
                     "cvc_session_run_entry", "cvc_model_state_info", "cvc_model_slice_info",
                     "cvc_session_read_state", "cvc_session_write_state"]:
            getattr(lib, name).restype = vp
        for name in ["cvc_model_entry_count", "cvc_model_entry_input_count",
                     "cvc_model_entry_output_count", "cvc_model_state_count",
                     "cvc_model_slice_count"]:
            getattr(lib, name).restype = ctypes.c_size_t
        lib.cvc_model_entry_input_count.argtypes = [vp, ctypes.c_size_t]
        lib.cvc_model_entry_output_count.argtypes = [vp, ctypes.c_size_t]
        lib.cvc_model_entry_input_info.argtypes = [vp, ctypes.c_size_t, ctypes.c_size_t, vp]
        lib.cvc_model_entry_output_info.argtypes = [vp, ctypes.c_size_t, ctypes.c_size_t, vp]
        lib.cvc_session_run_entry.argtypes = [vp, ctypes.c_size_t, vp, ctypes.c_size_t, vp,
                                              ctypes.c_size_t]
        lib.cvc_model_state_info.argtypes = [vp, ctypes.c_size_t, vp]
        lib.cvc_model_slice_info.argtypes = [vp, ctypes.c_size_t, vp]
        lib.cvc_session_read_state.argtypes = [vp, ctypes.c_size_t, vp, ctypes.c_uint64]
        lib.cvc_session_write_state.argtypes = [vp, ctypes.c_size_t, vp, ctypes.c_uint64]
        lib.cvc_model_find_entry.argtypes = [vp, ctypes.c_char_p, vp]
        lib.cvc_session_create.argtypes = [vp, vp, vp]
        model = vp()
        self._check(lib.cvc_model_get(ctypes.byref(model)))
        self.model = model
        options = (ctypes.c_int32 * 1)(threads)
        session = vp()
        self._check(lib.cvc_session_create(model, options, ctypes.byref(session)))
        self.session = session

    def _check(self, status):
        if status:
            message = self.lib.cvc_status_message(status).decode()
            self.lib.cvc_status_free(status)
            raise CvcError(message)

    def entry(self, name):
        index = ctypes.c_size_t()
        self._check(self.lib.cvc_model_find_entry(self.model, name.encode(), ctypes.byref(index)))
        return index.value

    def _infos(self, entry, outputs):
        count = (self.lib.cvc_model_entry_output_count if outputs
                 else self.lib.cvc_model_entry_input_count)(self.model, entry)
        fn = self.lib.cvc_model_entry_output_info if outputs else self.lib.cvc_model_entry_input_info
        infos = []
        for i in range(count):
            info = TensorInfo()
            self._check(fn(self.model, entry, i, ctypes.byref(info)))
            infos.append((info.name.decode(), [info.dims[d] for d in range(info.rank)]))
        return infos

    def run(self, entry_name, inputs, batch=None):
        """Runs an entry on {name: array}; returns {output name: array}."""
        entry = self.entry(entry_name)
        arrays, tensors = [], []
        for name, dims in self._infos(entry, False):
            a = np.ascontiguousarray(inputs[name], dtype=np.float32)
            arrays.append(a)
            tensors.append(Tensor(a.ctypes.data, 1, a.ndim, (ctypes.c_int64 * MAX_RANK)(*a.shape)))
        outs = {}
        out_tensors = []
        for name, dims in self._infos(entry, True):
            shape = [batch if d < 0 else d for d in dims]
            a = np.zeros(shape, dtype=np.float32)
            outs[name] = a
            out_tensors.append(Tensor(a.ctypes.data, 1, a.ndim,
                                      (ctypes.c_int64 * MAX_RANK)(*a.shape)))
        in_array = (Tensor * max(len(tensors), 1))(*tensors)
        out_array = (Tensor * max(len(out_tensors), 1))(*out_tensors)
        self._check(self.lib.cvc_session_run_entry(self.session, entry, in_array, len(tensors),
                                                   out_array, len(out_tensors)))
        return outs

    def states(self):
        result = {}
        for i in range(self.lib.cvc_model_state_count(self.model)):
            info = StateInfo()
            self._check(self.lib.cvc_model_state_info(self.model, i, ctypes.byref(info)))
            result[info.name.decode()] = (i, info.elements)
        return result

    def read_state(self, name):
        index, count = self.states()[name]
        a = np.zeros(count, dtype=np.float32)
        self._check(self.lib.cvc_session_read_state(self.session, index, a.ctypes.data, count))
        return a

    def write_state(self, name, values):
        index, count = self.states()[name]
        a = np.ascontiguousarray(values, dtype=np.float32).reshape(-1)
        self._check(self.lib.cvc_session_write_state(self.session, index, a.ctypes.data, a.size))

    def slices(self):
        """{tensor name: (state name, offset, shape)}."""
        names = {i: n for n, (i, _) in self.states().items()}
        result = {}
        for i in range(self.lib.cvc_model_slice_count(self.model)):
            info = SliceInfo()
            self._check(self.lib.cvc_model_slice_info(self.model, i, ctypes.byref(info)))
            result[info.name.decode()] = (names[info.state], info.offset,
                                          tuple(info.dims[d] for d in range(info.rank)))
        return result

    def tensor(self, flat, name):
        """The named tensor inside a flat state array."""
        _, offset, shape = self.slices()[name]
        return flat[offset:offset + int(np.prod(shape))].reshape(shape)


def optimizer_scalars(optimizer, lr, step):
    """The [1] inputs train_step reads for optimizer at 1-based `step`."""
    # "step" also seeds dropout masks; a model that reads neither ignores it.
    return {"learning_rate": np.array([lr], np.float32), "step": np.array([step], np.float32)}


def dropout_mask(shape, ratio, seed, step):
    """cv.dropout_mask's definition (CvGradientOps.td), in numpy."""
    u32 = np.uint32
    i = np.arange(int(np.prod(shape)), dtype=np.uint64).astype(u32)
    h = (i * u32(0x9E3779B1)) ^ u32((step * 0x85EBCA77) & 0xFFFFFFFF) ^ \
        u32(((seed + 1) * 0xC2B2AE3D) & 0xFFFFFFFF)
    h ^= h >> u32(16)
    h *= u32(0x85EBCA6B)
    h ^= h >> u32(13)
    h *= u32(0xC2B2AE35)
    h ^= h >> u32(16)
    keep = h.astype(np.uint64) >= np.uint64(int(ratio * 4294967296.0))
    return np.where(keep, np.float32(1.0 / (1.0 - ratio)), np.float32(0.0)).reshape(shape)
