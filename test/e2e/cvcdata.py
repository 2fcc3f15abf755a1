"""ctypes bindings of libcvc_data's C API (runtime/include/cvc/data.h) for the
end-to-end tests: the explicit-parameter augmentation entry points, pipelines
and data sets, on NumPy float32 C x H x W arrays.
"""
import ctypes
import os

import numpy as np

from cvclib import BIN, Failure

_F = ctypes.POINTER(ctypes.c_float)
_D = ctypes.POINTER(ctypes.c_double)


def _load():
    path = os.path.join(BIN, "..", "lib", "libcvc_data.so")
    if not os.path.exists(path):
        raise Failure(f"{path} does not exist; build cvc first")
    lib = ctypes.CDLL(path)
    lib.cvc_status_message.restype = ctypes.c_char_p
    lib.cvc_status_message.argtypes = [ctypes.c_void_p]
    lib.cvc_status_free.argtypes = [ctypes.c_void_p]
    for name in ("cvc_augment_resized_crop", "cvc_augment_pipeline_create", "cvc_augment_apply",
                 "cvc_augment_pipeline_with_pca", "cvc_dataset_open", "cvc_dataset_rgb_pca",
                 "cvc_augment_output_shape"):
        getattr(lib, name).restype = ctypes.c_void_p
    lib.cvc_augment_mean_grey.restype = ctypes.c_float
    lib.cvc_augment_apply.argtypes = [ctypes.c_void_p, ctypes.c_uint64, ctypes.c_uint64,
                                      ctypes.c_uint64, _F, ctypes.c_int32, ctypes.c_int32,
                                      ctypes.c_int32, _F]
    lib.cvc_augment_affine_matrix.argtypes = [ctypes.c_float] * 6 + [_F]
    lib.cvc_augment_affine.argtypes = [_F, ctypes.c_int32, ctypes.c_int32, ctypes.c_int32, _F,
                                       ctypes.c_float, _F]
    lib.cvc_augment_displace.argtypes = lib.cvc_augment_affine.argtypes
    return lib


lib = _load()


def check(status):
    if status:
        message = lib.cvc_status_message(status).decode()
        lib.cvc_status_free(status)
        raise Failure(message)


def ptr(a):
    assert a.dtype == np.float32 and a.flags.c_contiguous
    return a.ctypes.data_as(_F)


def _new(shape):
    return np.zeros(shape, np.float32)


def hflip(img):
    out = _new(img.shape)
    lib.cvc_augment_hflip(ptr(img), *img.shape, ptr(out))
    return out


def resized_crop(img, top, left, h, w, oh, ow):
    out = _new((img.shape[0], oh, ow))
    check(lib.cvc_augment_resized_crop(ptr(img), *img.shape, top, left, h, w, oh, ow, ptr(out)))
    return out


def affine_matrix(angle, shear_x, shear_y, scale=1.0, tx=0.0, ty=0.0):
    m = _new(6)
    lib.cvc_augment_affine_matrix(angle, shear_x, shear_y, scale, tx, ty, ptr(m))
    return m


def affine(img, matrix, fill=0.0):
    out = _new(img.shape)
    lib.cvc_augment_affine(ptr(img), *img.shape, ptr(matrix), fill, ptr(out))
    return out


def displace(img, displacement, fill=0.0):
    """displacement: H x W x 2 (dx, dy) in pixels."""
    d = np.ascontiguousarray(displacement, np.float32)
    out = _new(img.shape)
    lib.cvc_augment_displace(ptr(img), *img.shape, ptr(d), fill, ptr(out))
    return out


def scale_offset(img, scale, offset):
    s = np.ascontiguousarray(scale, np.float32)
    o = np.ascontiguousarray(offset, np.float32)
    out = _new(img.shape)
    lib.cvc_augment_scale_offset(ptr(img), *img.shape, ptr(s), ptr(o), ptr(out))
    return out


def mean_grey(img):
    return lib.cvc_augment_mean_grey(ptr(img), *img.shape)


def eigen3(matrix):
    m = np.ascontiguousarray(matrix, np.float64)
    values, vectors = np.zeros(3), np.zeros(9)
    lib.cvc_augment_eigen3(m.ctypes.data_as(_D), values.ctypes.data_as(_D),
                           vectors.ctypes.data_as(_D))
    return values, vectors.reshape(3, 3)


class Pipeline:
    def __init__(self, spec, pca=None):
        handle = ctypes.c_void_p()
        check(lib.cvc_augment_pipeline_create(spec.encode(), ctypes.byref(handle)))
        if pca is not None:
            values, vectors = (np.ascontiguousarray(a, np.float32) for a in pca)
            fitted = ctypes.c_void_p()
            check(lib.cvc_augment_pipeline_with_pca(handle, ptr(values), ptr(vectors),
                                                    ctypes.byref(fitted)))
            lib.cvc_augment_pipeline_free(handle)
            handle = fitted
        self.handle = handle

    def __del__(self):
        lib.cvc_augment_pipeline_free(self.handle)

    def apply(self, img, seed, epoch, index):
        shape = (ctypes.c_int32 * 3)()
        check(lib.cvc_augment_output_shape(self.handle, *img.shape, shape))
        out = _new(tuple(shape))
        check(lib.cvc_augment_apply(self.handle, seed, epoch, index, ptr(img), *img.shape, ptr(out)))
        return out


def dataset_rgb_pca(spec):
    handle = ctypes.c_void_p()
    check(lib.cvc_dataset_open(spec.encode(), ctypes.byref(handle)))
    values, vectors = _new(3), _new(9)
    try:
        check(lib.cvc_dataset_rgb_pca(handle, ptr(values), ptr(vectors)))
    finally:
        lib.cvc_dataset_free(handle)
    return values, vectors.reshape(3, 3)
