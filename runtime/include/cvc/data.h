/*===- data.h - data sets, batch loader, augmentation, ensembles --------===*
 *
 * The host-side data library, libcvc_data (static and shared). Training
 * programs (cvc-train), cvc-run and host applications link it; a model.so
 * never does, so models stay minimal.
 *
 *  - Data sets: idx (MNIST / Fashion-MNIST, plain or gzip), CIFAR-10 binary
 *    batches, a folder of images per class (PGM/PPM/PNG). Pixels are kept as
 *    bytes and become float32 NCHW in [0,1] when read.
 *  - A batch loader: shuffling whose order is a pure function of (seed,
 *    epoch); worker threads fill a bounded queue; batches arrive in the same
 *    order and with the same contents whatever the thread count, and a run can
 *    resume at (epoch, batch).
 *  - Augmentation: an operation pipeline parsed from a text spec, random
 *    parameters drawn per sample from (seed, epoch, sample index); each
 *    operation also has an entry point with explicit parameters.
 *  - Ensembles and multi-crop: averaging of class probabilities over models
 *    and crops.
 *
 * Conventions are those of cvc.h: a cvc_status return of NULL is success,
 * otherwise the caller owns it (cvc_status_message, cvc_status_free, which
 * this library also exports); out_ parameters come last; the caller owns
 * every buffer it passes in. Errors name the file and what is wrong.
 *
 *===----------------------------------------------------------------------===*/
#ifndef CVC_DATA_H
#define CVC_DATA_H

#include "cvc/cvc.h"

#ifdef __cplusplus
extern "C" {
#endif

/*===--------------------------------------------------------------------===*
 * Data sets
 *===--------------------------------------------------------------------===*/

/** An immutable labelled image set. Handles share storage: a subset costs an
 *  index list, and freeing a handle never invalidates another. */
typedef struct cvc_dataset_s cvc_dataset;

/** idx images (rank 3: count x rows x cols) and idx labels (rank 1), as in
 *  MNIST and Fashion-MNIST; each file may be gzip-compressed. */
CVC_EXPORT CVC_MUST_USE cvc_status cvc_dataset_open_idx(const char *images_path,
                                                        const char *labels_path,
                                                        cvc_dataset **out_dataset);

/** CIFAR-10 binary batches (data_batch_N.bin, test_batch.bin): records of one
 *  label byte and 3x32x32 pixel bytes, concatenated in the order given. */
CVC_EXPORT CVC_MUST_USE cvc_status cvc_dataset_open_cifar10(const char *const *paths,
                                                            size_t path_count,
                                                            cvc_dataset **out_dataset);

/**
 * A folder with one subfolder per class (classes numbered in the sorted order
 * of the subfolder names), each holding .pgm/.ppm/.png images. Grey images
 * have one channel and colour images three (grey images in a colour set are
 * replicated; alpha is dropped). Images whose size differs from `height` x
 * `width` are resized (bilinear); 0 x 0 takes the first image's size.
 */
CVC_EXPORT CVC_MUST_USE cvc_status cvc_dataset_open_folder(const char *root, int32_t height,
                                                           int32_t width,
                                                           cvc_dataset **out_dataset);

/**
 * Opens a data set named by a text spec, as the command-line tools accept:
 *   fashion-mnist[:train|:test]        Debian's dataset-fashion-mnist
 *   idx:IMAGES,LABELS
 *   cifar10:FILE[,FILE...]
 *   folder:DIR
 */
CVC_EXPORT CVC_MUST_USE cvc_status cvc_dataset_open(const char *spec, cvc_dataset **out_dataset);

CVC_EXPORT void cvc_dataset_free(cvc_dataset *dataset);

CVC_EXPORT size_t cvc_dataset_count(const cvc_dataset *dataset);
CVC_EXPORT int32_t cvc_dataset_channels(const cvc_dataset *dataset);
CVC_EXPORT int32_t cvc_dataset_height(const cvc_dataset *dataset);
CVC_EXPORT int32_t cvc_dataset_width(const cvc_dataset *dataset);
/** Number of classes: labels are 0 .. class_count-1. */
CVC_EXPORT int32_t cvc_dataset_class_count(const cvc_dataset *dataset);

/**
 * A subset, in the original order: only the classes listed (NULL / 0 keeps
 * every class; listed classes are renumbered 0..class_count-1 in the order
 * given, e.g. {3, 7} makes 3 -> 0, 7 -> 1) and at most `per_class_limit`
 * images of each class (the first ones; 0 means no limit).
 */
CVC_EXPORT CVC_MUST_USE cvc_status cvc_dataset_subset(const cvc_dataset *dataset,
                                                      const int32_t *classes,
                                                      size_t class_count,
                                                      size_t per_class_limit,
                                                      cvc_dataset **out_subset);

/**
 * Reads images [first, first+count) as float32 NCHW in [0,1] into `images`
 * (count x C x H x W floats) and their labels into `labels` (may be NULL).
 */
CVC_EXPORT CVC_MUST_USE cvc_status cvc_dataset_read(const cvc_dataset *dataset, size_t first,
                                                    size_t count, float *images, int32_t *labels);

/**
 * Principal components of the data set's RGB values (every pixel of every
 * image, in [0,1]), for AlexNet-style PCA colour augmentation: eigenvalues
 * in descending order and the matching unit eigenvectors, eigvec[3*i + c].
 * Fails unless the data set has three channels.
 */
CVC_EXPORT CVC_MUST_USE cvc_status cvc_dataset_rgb_pca(const cvc_dataset *dataset,
                                                       float out_eigenvalues[3],
                                                       float out_eigenvectors[9]);

/** Writes a C x H x W float image in [0,1] (1 or 3 channels; values are
 *  clamped) as .png, .ppm or .pgm, chosen by the extension of `path`. */
CVC_EXPORT CVC_MUST_USE cvc_status cvc_image_write(const char *path, const float *image,
                                                   int32_t channels, int32_t height, int32_t width);

/*===--------------------------------------------------------------------===*
 * Augmentation
 *===--------------------------------------------------------------------===*/

/** An immutable sequence of augmentation operations. */
typedef struct cvc_augment_pipeline_s cvc_augment_pipeline;

/**
 * Parses a spec: operations separated by ',' as NAME or NAME:KEY=VALUE, with
 * further KEY=VALUE items after a ',' belonging to the operation before.
 *   mirror[:p=0.5]                          horizontal flip with probability p
 *   pad:px=N[,fill=F]                       constant border of N pixels
 *   crop:size=S[,pad=P][,scale=A][,ratio=R] random crop, bilinear resize to SxS
 *       (a crop of area fraction in [A,1] and aspect ratio in [1/R,R] of the
 *        image padded by P; with A=1, R=1 a plain random SxS crop)
 *   rotate:deg=D[,fill=F]                   angle uniform in [-D, D]
 *   shear:deg=D[,ydeg=E][,fill=F]           x (and y) shear angle uniform in [-D, D]
 *   elastic:alpha=A,sigma=S[,fill=F]        Simard's elastic warp, A pixels, Gaussian S
 *   brightness:delta=B                      x * U[1-B, 1+B], clamped to [0,1]
 *   contrast:delta=C                        blend with the mean grey by U[1-C, 1+C]
 *   colorshift:std=S                        per-channel offset N(0, S), clamped
 *   pca:std=S                               AlexNet lighting: + sum_i a_i l_i v_i,
 *                                           a_i ~ N(0, S) (needs 3 channels)
 * Example: "mirror:p=0.5,crop:size=24,pad=4,rotate:deg=10,elastic:alpha=8,sigma=3,pca:std=0.1".
 * Random numbers are drawn per sample from (seed, epoch, sample index).
 */
CVC_EXPORT CVC_MUST_USE cvc_status cvc_augment_pipeline_create(const char *spec,
                                                               cvc_augment_pipeline **out_pipeline);
CVC_EXPORT void cvc_augment_pipeline_free(cvc_augment_pipeline *pipeline);

/** The image shape the pipeline produces from a C x H x W input. */
CVC_EXPORT CVC_MUST_USE cvc_status cvc_augment_output_shape(const cvc_augment_pipeline *pipeline,
                                                            int32_t channels, int32_t height,
                                                            int32_t width, int32_t out_shape[3]);

/** Principal components for a pipeline's pca operation (as from
 *  cvc_dataset_rgb_pca). The loader sets them from its data set by itself
 *  when the pipeline has none; returns a new pipeline. */
CVC_EXPORT CVC_MUST_USE cvc_status cvc_augment_pipeline_with_pca(
    const cvc_augment_pipeline *pipeline, const float eigenvalues[3], const float eigenvectors[9],
    cvc_augment_pipeline **out_pipeline);

/**
 * Applies the pipeline to one C x H x W image `src` as sample `index` of
 * `epoch` under `seed`; `dst` holds the output shape's element count.
 */
CVC_EXPORT CVC_MUST_USE cvc_status cvc_augment_apply(const cvc_augment_pipeline *pipeline,
                                                     uint64_t seed, uint64_t epoch,
                                                     uint64_t index, const float *src,
                                                     int32_t channels, int32_t height,
                                                     int32_t width, float *dst);

/* Operations with explicit parameters (tests, other hosts). Images are
 * C x H x W float32; `src` and `dst` must not overlap. Coordinates are pixel
 * indices, pixel centres at integers. Interpolation is bilinear as PyTorch's
 * (align_corners=false). */

CVC_EXPORT void cvc_augment_hflip(const float *src, int32_t channels, int32_t height,
                                  int32_t width, float *dst);
/** Crops [top, top+crop_h) x [left, left+crop_w) (inside the image) and resizes it to out_h x out_w. */
CVC_EXPORT CVC_MUST_USE cvc_status cvc_augment_resized_crop(const float *src, int32_t channels,
                                                            int32_t height, int32_t width,
                                                            int32_t top, int32_t left,
                                                            int32_t crop_h, int32_t crop_w,
                                                            int32_t out_h, int32_t out_w,
                                                            float *dst);
/**
 * The inverse affine map (output pixel -> input pixel, both relative to the
 * image centre ((w-1)/2, (h-1)/2)) of a rotation by `angle_deg` clockwise,
 * shears `shear_x_deg`, `shear_y_deg`, `scale` and a translation, exactly as
 * torchvision.transforms.functional.affine builds it.
 */
CVC_EXPORT void cvc_augment_affine_matrix(float angle_deg, float shear_x_deg, float shear_y_deg,
                                          float scale, float translate_x, float translate_y,
                                          float out_inverse[6]);
/** Warps by the inverse map of cvc_augment_affine_matrix; samples outside read `fill`. */
CVC_EXPORT void cvc_augment_affine(const float *src, int32_t channels, int32_t height,
                                   int32_t width, const float inverse[6], float fill, float *dst);
/** Samples pixel (y, x) at (y + dy, x + dx): `displacement` is H x W x 2 (dx, dy) in pixels. */
CVC_EXPORT void cvc_augment_displace(const float *src, int32_t channels, int32_t height,
                                     int32_t width, const float *displacement, float fill,
                                     float *dst);
/** dst = clamp(scale[c] * src + offset[c], 0, 1) per channel c. */
CVC_EXPORT void cvc_augment_scale_offset(const float *src, int32_t channels, int32_t height,
                                         int32_t width, const float *scale, const float *offset,
                                         float *dst);
/** The mean of the image's grey levels (ITU-R 601 weights for 3 channels), as torchvision's adjust_contrast uses. */
CVC_EXPORT float cvc_augment_mean_grey(const float *src, int32_t channels, int32_t height,
                                       int32_t width);
/** Eigen-decomposition of a symmetric 3x3 matrix (row-major): eigenvalues
 *  descending, eigenvectors as rows of out_eigenvectors. */
CVC_EXPORT void cvc_augment_eigen3(const double matrix[9], double out_eigenvalues[3],
                                   double out_eigenvectors[9]);

/*===--------------------------------------------------------------------===*
 * Batch loader
 *===--------------------------------------------------------------------===*/

typedef struct cvc_loader_s cvc_loader;

typedef struct cvc_loader_options {
  int32_t batch_size;   /**< images per batch (default 32) */
  int32_t shuffle;      /**< nonzero: a new permutation each epoch (default 1) */
  uint64_t seed;        /**< shuffling and augmentation (default 0) */
  int32_t threads;      /**< producer threads; 0 produces in the caller's thread (default 2) */
  int32_t queue_depth;  /**< batches produced ahead of the consumer (default 4) */
  int32_t drop_last;    /**< nonzero: drop a last partial batch (default 0) */
  /** Applied to every image, may be NULL; the loader keeps its own reference. */
  const cvc_augment_pipeline *augment;
  /** After augmentation, per channel: (x - mean) / std (default 0 and 1). */
  float mean[3];
  float std[3];
  /** Data-parallel training: this loader is shard `shard_index` of
   *  `shard_count` (default 0 of 1). Batch k of shard r holds images
   *  [(k * shard_count + r) * batch_size, +batch_size) of the epoch's order,
   *  so the shards' batch k together are batch k of one loader whose batch
   *  is shard_count * batch_size. More than one shard needs drop_last. */
  int32_t shard_count;
  int32_t shard_index;
} cvc_loader_options;

CVC_EXPORT void cvc_loader_options_init(cvc_loader_options *out_options);

/** Creates a loader over `dataset` (it keeps its own reference). Starts at epoch 0, batch 0. */
CVC_EXPORT CVC_MUST_USE cvc_status cvc_loader_create(const cvc_dataset *dataset,
                                                     const cvc_loader_options *options,
                                                     cvc_loader **out_loader);
CVC_EXPORT void cvc_loader_free(cvc_loader *loader);

/** Batches per epoch (the last partial one included unless drop_last). */
CVC_EXPORT size_t cvc_loader_batch_count(const cvc_loader *loader);
/** Shape of one produced image (after augmentation): C, H, W. */
CVC_EXPORT void cvc_loader_image_shape(const cvc_loader *loader, int32_t out_shape[3]);

/** Positions the loader at batch `first_batch` of `epoch`; the batches that
 *  follow equal those of an uninterrupted run. Work under way is dropped. */
CVC_EXPORT CVC_MUST_USE cvc_status cvc_loader_start_epoch(cvc_loader *loader, uint64_t epoch,
                                                          size_t first_batch);

/**
 * The next batch of the epoch: `images` holds batch_size x C x H x W floats
 * and `labels` batch_size values; *out_count is the number of images written,
 * 0 at the end of the epoch.
 */
CVC_EXPORT CVC_MUST_USE cvc_status cvc_loader_next(cvc_loader *loader, float *images,
                                                   int32_t *labels, size_t *out_count);

/** Seconds the consumer has spent blocked in cvc_loader_next (all epochs):
 *  near zero when the workers keep up. */
CVC_EXPORT double cvc_loader_wait_seconds(const cvc_loader *loader);
/** Seconds of worker time spent producing batches (all threads, all epochs). */
CVC_EXPORT double cvc_loader_produce_seconds(const cvc_loader *loader);

/*===--------------------------------------------------------------------===*
 * Ensembles and multi-crop
 *===--------------------------------------------------------------------===*/

/** Where a crop lies and whether it is mirrored. */
typedef struct cvc_crop {
  int32_t top, left;
  int32_t mirror;
} cvc_crop;

/** The 10 crops of AlexNet's test: four corners and the centre, then their
 *  mirrors (count 10), or the first 5 or the centre alone (count 1). */
CVC_EXPORT CVC_MUST_USE cvc_status cvc_crops_standard(int32_t height, int32_t width,
                                                      int32_t crop_h, int32_t crop_w,
                                                      size_t count, cvc_crop *out_crops);

/** Cuts `crop_count` crops of crop_h x crop_w from each of `image_count` C x H x W
 *  images: dst is (image_count * crop_count) x C x crop_h x crop_w, image-major. */
CVC_EXPORT CVC_MUST_USE cvc_status cvc_crops_extract(const float *images, size_t image_count,
                                                     int32_t channels, int32_t height,
                                                     int32_t width, const cvc_crop *crops,
                                                     size_t crop_count, int32_t crop_h,
                                                     int32_t crop_w, float *dst);

/** How model outputs become probabilities before averaging. */
typedef enum cvc_ensemble_softmax {
  /** Softmax unless every row already is a distribution (entries in [0,1]
   *  summing to 1 within 1e-3), i.e. the model ends in a softmax. */
  CVC_SOFTMAX_AUTO = 0,
  CVC_SOFTMAX_ALWAYS = 1,
  CVC_SOFTMAX_NEVER = 2,
} cvc_ensemble_softmax;

/** Accumulates class probabilities of `image_count` images over models and crops. */
typedef struct cvc_ensemble_s cvc_ensemble;

CVC_EXPORT CVC_MUST_USE cvc_status cvc_ensemble_create(size_t image_count, size_t class_count,
                                                       cvc_ensemble_softmax softmax,
                                                       cvc_ensemble **out_ensemble);
CVC_EXPORT void cvc_ensemble_free(cvc_ensemble *ensemble);
/**
 * Adds one member's outputs: (image_count * crops_per_image) x class_count
 * scores, image-major (crops of image 0 first). Each row becomes
 * probabilities, then counts once.
 */
CVC_EXPORT CVC_MUST_USE cvc_status cvc_ensemble_add(cvc_ensemble *ensemble, const float *scores,
                                                    size_t crops_per_image);
/** The average probabilities so far: image_count x class_count. */
CVC_EXPORT CVC_MUST_USE cvc_status cvc_ensemble_average(const cvc_ensemble *ensemble,
                                                        float *out_probabilities);

#ifdef __cplusplus
}
#endif

#endif /* CVC_DATA_H */
