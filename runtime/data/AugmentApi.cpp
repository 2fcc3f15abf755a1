//===- AugmentApi.cpp - the C API of augmentation -----------------------===//
#include "Augment.h"
#include "Kernels.h"
#include "Readers.h"

using namespace cvc::data;

extern "C" {

cvc_status cvc_augment_pipeline_create(const char *spec, cvc_augment_pipeline **out_pipeline) {
  if (!spec || !out_pipeline)
    return invalid("cvc_augment_pipeline_create: null argument");
  auto pipeline = std::make_shared<Pipeline>();
  std::string error;
  if (!pipeline->parse(spec, error))
    return invalid("augmentation spec: " + error);
  *out_pipeline = new cvc_augment_pipeline_s{std::move(pipeline)};
  return nullptr;
}

void cvc_augment_pipeline_free(cvc_augment_pipeline *pipeline) { delete pipeline; }

cvc_status cvc_augment_output_shape(const cvc_augment_pipeline *pipeline, int32_t channels,
                                    int32_t height, int32_t width, int32_t out_shape[3]) {
  if (!pipeline || !out_shape)
    return invalid("cvc_augment_output_shape: null argument");
  std::string error;
  Shape s = pipeline->pipeline->outputShape({channels, height, width}, error);
  if (!error.empty())
    return invalid("augmentation: " + error);
  out_shape[0] = s.channels;
  out_shape[1] = s.height;
  out_shape[2] = s.width;
  return nullptr;
}

cvc_status cvc_augment_pipeline_with_pca(const cvc_augment_pipeline *pipeline,
                                         const float eigenvalues[3], const float eigenvectors[9],
                                         cvc_augment_pipeline **out_pipeline) {
  if (!pipeline || !eigenvalues || !eigenvectors || !out_pipeline)
    return invalid("cvc_augment_pipeline_with_pca: null argument");
  *out_pipeline = new cvc_augment_pipeline_s{
      pipeline->pipeline->withPrincipalComponents(eigenvalues, eigenvectors)};
  return nullptr;
}

cvc_status cvc_augment_apply(const cvc_augment_pipeline *pipeline, uint64_t seed, uint64_t epoch,
                             uint64_t index, const float *src, int32_t channels, int32_t height,
                             int32_t width, float *dst) {
  int32_t shape[3];
  if (cvc_status s = cvc_augment_output_shape(pipeline, channels, height, width, shape))
    return s;
  if (!src || !dst)
    return invalid("cvc_augment_apply: null image");
  thread_local std::vector<float> work; // kept: no allocation per image
  pipeline->pipeline->apply(seed, epoch, index, src, {channels, height, width}, dst, work);
  return nullptr;
}

void cvc_augment_hflip(const float *src, int32_t channels, int32_t height, int32_t width,
                       float *dst) {
  hflip(src, channels, height, width, dst);
}

cvc_status cvc_augment_resized_crop(const float *src, int32_t channels, int32_t height,
                                    int32_t width, int32_t top, int32_t left, int32_t crop_h,
                                    int32_t crop_w, int32_t out_h, int32_t out_w, float *dst) {
  if (top < 0 || left < 0 || crop_h < 1 || crop_w < 1 || top + crop_h > height ||
      left + crop_w > width || out_h < 1 || out_w < 1)
    return invalid("cvc_augment_resized_crop: the box (" + std::to_string(top) + ", " +
                   std::to_string(left) + ") + " + std::to_string(crop_h) + "x" +
                   std::to_string(crop_w) + " is not inside the " + std::to_string(height) + "x" +
                   std::to_string(width) + " image, or the output size is empty");
  resizedCrop(src, channels, height, width, top, left, crop_h, crop_w, out_h, out_w, dst);
  return nullptr;
}

void cvc_augment_affine_matrix(float angle_deg, float shear_x_deg, float shear_y_deg, float scale,
                               float translate_x, float translate_y, float out_inverse[6]) {
  affineInverse(angle_deg, shear_x_deg, shear_y_deg, scale, translate_x, translate_y, out_inverse);
}

void cvc_augment_affine(const float *src, int32_t channels, int32_t height, int32_t width,
                        const float inverse[6], float fill, float *dst) {
  affineWarp(src, channels, height, width, inverse, fill, dst);
}

void cvc_augment_displace(const float *src, int32_t channels, int32_t height, int32_t width,
                          const float *displacement, float fill, float *dst) {
  displace(src, channels, height, width, displacement, fill, dst);
}

void cvc_augment_scale_offset(const float *src, int32_t channels, int32_t height, int32_t width,
                              const float *scale, const float *offset, float *dst) {
  scaleOffset(src, channels, height, width, scale, offset, true, dst);
}

float cvc_augment_mean_grey(const float *src, int32_t channels, int32_t height, int32_t width) {
  return meanGrey(src, channels, height, width);
}

void cvc_augment_eigen3(const double matrix[9], double out_eigenvalues[3],
                        double out_eigenvectors[9]) {
  eigenSymmetric3(matrix, out_eigenvalues, out_eigenvectors);
}

} // extern "C"
