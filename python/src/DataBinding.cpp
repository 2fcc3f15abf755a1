//===- DataBinding.cpp - cvc.Dataset, cvc.Loader, cvc.Augment -----------===//
//
// libcvc_data for Python: a loader epoch is an iterator of (images,
// labels) NumPy batches, produced by the loader's own threads (the GIL is
// released while a batch is awaited).
//
//===----------------------------------------------------------------------===//
#include "Bindings.h"

#include "cvc/cvc.hpp"
#include "cvc/data.h"

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <memory>

namespace py = pybind11;

namespace cvc::python {
namespace {

using FloatArray = py::array_t<float, py::array::c_style>;
using LabelArray = py::array_t<int32_t, py::array::c_style>;

struct DatasetDeleter {
  void operator()(cvc_dataset *d) const { cvc_dataset_free(d); }
};
struct LoaderDeleter {
  void operator()(cvc_loader *l) const { cvc_loader_free(l); }
};
struct PipelineDeleter {
  void operator()(cvc_augment_pipeline *p) const { cvc_augment_pipeline_free(p); }
};

class PyDataset {
public:
  explicit PyDataset(const std::string &spec) {
    cvc_dataset *dataset = nullptr;
    check(cvc_dataset_open(spec.c_str(), &dataset));
    dataset_.reset(dataset, DatasetDeleter());
  }
  explicit PyDataset(cvc_dataset *dataset) : dataset_(dataset, DatasetDeleter()) {}

  size_t size() const { return cvc_dataset_count(dataset_.get()); }
  py::tuple imageShape() const {
    return py::make_tuple(cvc_dataset_channels(dataset_.get()), cvc_dataset_height(dataset_.get()),
                          cvc_dataset_width(dataset_.get()));
  }
  int32_t classes() const { return cvc_dataset_class_count(dataset_.get()); }

  PyDataset subset(std::vector<int32_t> classes, size_t perClass) const {
    cvc_dataset *subset = nullptr;
    check(cvc_dataset_subset(dataset_.get(), classes.empty() ? nullptr : classes.data(),
                             classes.size(), perClass, &subset));
    return PyDataset(subset);
  }

  py::tuple read(size_t first, size_t count) const {
    if (first > size() || count > size() - first)
      throw py::index_error("images [" + std::to_string(first) + ", " +
                            std::to_string(first + count) + ") are outside the data set's " +
                            std::to_string(size()));
    FloatArray images({static_cast<py::ssize_t>(count),
                       static_cast<py::ssize_t>(cvc_dataset_channels(dataset_.get())),
                       static_cast<py::ssize_t>(cvc_dataset_height(dataset_.get())),
                       static_cast<py::ssize_t>(cvc_dataset_width(dataset_.get()))});
    LabelArray labels(static_cast<py::ssize_t>(count));
    check(cvc_dataset_read(dataset_.get(), first, count, images.mutable_data(),
                           labels.mutable_data()));
    return py::make_tuple(images, labels);
  }

  const cvc_dataset *get() const { return dataset_.get(); }

private:
  std::shared_ptr<cvc_dataset> dataset_;
};

class PyAugment {
public:
  explicit PyAugment(const std::string &spec) {
    cvc_augment_pipeline *pipeline = nullptr;
    check(cvc_augment_pipeline_create(spec.c_str(), &pipeline));
    pipeline_.reset(pipeline, PipelineDeleter());
  }

  py::tuple outputShape(int32_t c, int32_t h, int32_t w) const {
    int32_t shape[3];
    check(cvc_augment_output_shape(pipeline_.get(), c, h, w, shape));
    return py::make_tuple(shape[0], shape[1], shape[2]);
  }

  /// One C x H x W image as sample `index` of `epoch` under `seed`.
  FloatArray apply(FloatArray image, uint64_t seed, uint64_t epoch, uint64_t index) const {
    if (image.ndim() != 3)
      throw py::value_error("an image is C x H x W; this array has " +
                            std::to_string(image.ndim()) + " dimensions");
    int32_t c = image.shape(0), h = image.shape(1), w = image.shape(2);
    int32_t shape[3];
    check(cvc_augment_output_shape(pipeline_.get(), c, h, w, shape));
    FloatArray result({shape[0], shape[1], shape[2]});
    check(cvc_augment_apply(pipeline_.get(), seed, epoch, index, image.data(), c, h, w,
                            result.mutable_data()));
    return result;
  }

  const cvc_augment_pipeline *get() const { return pipeline_.get(); }

private:
  std::shared_ptr<cvc_augment_pipeline> pipeline_;
};

class PyLoader {
public:
  PyLoader(const PyDataset &dataset, int32_t batchSize, bool shuffle, uint64_t seed,
           int32_t threads, bool dropLast, const PyAugment *augment, std::vector<float> mean,
           std::vector<float> std)
      : dataset_(dataset) {
    cvc_loader_options options;
    cvc_loader_options_init(&options);
    options.batch_size = batchSize;
    options.shuffle = shuffle;
    options.seed = seed;
    options.threads = threads;
    options.drop_last = dropLast;
    options.augment = augment ? augment->get() : nullptr;
    // One value for every channel, or one per channel (at most 3).
    for (auto [given, into] : {std::pair{&mean, options.mean}, {&std, options.std}}) {
      if (given->size() > 3)
        throw py::value_error("mean and std take one value, or one per channel (at most 3)");
      for (size_t c = 0; c < 3 && !given->empty(); ++c)
        into[c] = (*given)[given->size() == 1 ? 0 : c];
    }
    cvc_loader *loader = nullptr;
    check(cvc_loader_create(dataset.get(), &options, &loader));
    loader_.reset(loader, LoaderDeleter());
    batchSize_ = batchSize;
  }

  size_t batches() const { return cvc_loader_batch_count(loader_.get()); }

  void start(uint64_t epoch, size_t firstBatch) {
    check(cvc_loader_start_epoch(loader_.get(), epoch, firstBatch));
  }

  /// The next batch, or None at the end of the epoch.
  py::object next() {
    int32_t shape[3];
    cvc_loader_image_shape(loader_.get(), shape);
    FloatArray images({static_cast<py::ssize_t>(batchSize_), static_cast<py::ssize_t>(shape[0]),
                       static_cast<py::ssize_t>(shape[1]), static_cast<py::ssize_t>(shape[2])});
    LabelArray labels(static_cast<py::ssize_t>(batchSize_));
    size_t count = 0;
    cvc_status status;
    {
      float *imageData = images.mutable_data();
      int32_t *labelData = labels.mutable_data();
      py::gil_scoped_release release;
      status = cvc_loader_next(loader_.get(), imageData, labelData, &count);
    }
    check(status);
    if (count == 0)
      return py::none();
    if (count < static_cast<size_t>(batchSize_)) {
      // A last partial batch: views of its first `count` images.
      py::slice first(0, static_cast<py::ssize_t>(count), 1);
      return py::make_tuple(images[first], labels[first]);
    }
    return py::make_tuple(images, labels);
  }

private:
  PyDataset dataset_; // the loader keeps its own reference; this keeps Python's view alive
  std::shared_ptr<cvc_loader> loader_;
  int32_t batchSize_ = 0;
};

/// One epoch of a loader, as a Python iterator.
class PyEpoch {
public:
  PyEpoch(PyLoader &loader, uint64_t epoch, size_t firstBatch) : loader_(loader) {
    loader_.start(epoch, firstBatch);
  }
  py::object next() {
    py::object batch = loader_.next();
    if (batch.is_none())
      throw py::stop_iteration();
    return batch;
  }

private:
  PyLoader &loader_;
};

} // namespace

void bindData(py::module_ &module) {
  py::class_<PyDataset>(module, "Dataset",
                        "A labelled image set: 'fashion-mnist:train', 'idx:IMAGES,LABELS', "
                        "'cifar10:FILE,...' or 'folder:DIR'.")
      .def(py::init<const std::string &>(), py::arg("spec"))
      .def("__len__", &PyDataset::size)
      .def_property_readonly("image_shape", &PyDataset::imageShape, "(C, H, W)")
      .def_property_readonly("classes", &PyDataset::classes)
      .def("subset", &PyDataset::subset, py::arg("classes") = std::vector<int32_t>(),
           py::arg("per_class") = 0,
           "The listed classes only (renumbered in that order), at most per_class images each.")
      .def("read", &PyDataset::read, py::arg("first"), py::arg("count"),
           "(images [count, C, H, W] float32 in [0, 1], labels [count] int32)");

  py::class_<PyAugment>(module, "Augment", "An augmentation pipeline from its text spec.")
      .def(py::init<const std::string &>(), py::arg("spec"))
      .def("output_shape", &PyAugment::outputShape)
      .def("__call__", &PyAugment::apply, py::arg("image"), py::arg("seed") = 0,
           py::arg("epoch") = 0, py::arg("index") = 0,
           "Augments one C x H x W float32 image as sample `index` of `epoch`.");

  py::class_<PyEpoch>(module, "Epoch")
      .def("__iter__", [](PyEpoch &e) -> PyEpoch & { return e; })
      .def("__next__", &PyEpoch::next);

  py::class_<PyLoader>(module, "Loader",
                       "Shuffled, augmented batches of a Dataset, made by worker threads; "
                       "the order is a function of (seed, epoch) alone.")
      .def(py::init<const PyDataset &, int32_t, bool, uint64_t, int32_t, bool, const PyAugment *,
                    std::vector<float>, std::vector<float>>(),
           py::arg("dataset"), py::arg("batch_size") = 32, py::arg("shuffle") = true,
           py::arg("seed") = 0, py::arg("threads") = 2, py::arg("drop_last") = false,
           py::arg("augment") = nullptr, py::arg("mean") = std::vector<float>(),
           py::arg("std") = std::vector<float>())
      .def("__len__", &PyLoader::batches, "Batches per epoch.")
      .def(
          "epoch",
          [](PyLoader &loader, uint64_t epoch, size_t firstBatch) {
            return PyEpoch(loader, epoch, firstBatch);
          },
          py::arg("epoch") = 0, py::arg("first_batch") = 0, py::keep_alive<0, 1>(),
          "An iterator of (images, labels) batches of `epoch`, from batch `first_batch`.");
}

} // namespace cvc::python
