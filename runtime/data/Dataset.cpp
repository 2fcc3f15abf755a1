//===- Dataset.cpp - views of decoded images ----------------------------===//
#include "Dataset.h"

#include "Kernels.h"

#include <numeric>

namespace cvc::data {

Dataset::Dataset(std::shared_ptr<const ImageStore> storeIn)
    : store(std::move(storeIn)), indices(store->count()), classes(store->classCount) {
  std::iota(indices.begin(), indices.end(), 0u);
  labelMap.resize(classes);
  std::iota(labelMap.begin(), labelMap.end(), 0);
}

int32_t Dataset::label(size_t i) const { return labelMap[store->labels[indices[i]]]; }

void Dataset::readImage(size_t i, float *dst) const {
  size_t n = store->imageBytes();
  bytesToUnit(store->pixels.data() + size_t(indices[i]) * n, n, dst);
}

Dataset Dataset::subset(const std::vector<int32_t> &keepClasses, size_t perClassLimit) const {
  Dataset out = *this;
  if (!keepClasses.empty()) {
    // Compose the maps: a store label kept here and listed becomes its position in the list.
    std::vector<int32_t> renumber(classes, -1);
    for (size_t k = 0; k < keepClasses.size(); ++k)
      renumber[keepClasses[k]] = int32_t(k);
    for (int32_t &l : out.labelMap)
      l = l < 0 ? -1 : renumber[l];
    out.classes = int32_t(keepClasses.size());
  }
  out.indices.clear();
  std::vector<size_t> taken(out.classes, 0);
  for (uint32_t index : indices) {
    int32_t l = out.labelMap[store->labels[index]];
    if (l < 0 || (perClassLimit && taken[l] >= perClassLimit))
      continue;
    ++taken[l];
    out.indices.push_back(index);
  }
  return out;
}

bool rgbPrincipalComponents(const Dataset &dataset, float eigenvalues[3], float eigenvectors[9]) {
  if (dataset.channels() != 3 || dataset.count() == 0)
    return false;
  size_t plane = size_t(dataset.height()) * dataset.width();
  std::vector<float> image(3 * plane);
  double sum[3] = {0, 0, 0}, products[9] = {0};
  for (size_t i = 0; i < dataset.count(); ++i) {
    dataset.readImage(i, image.data());
    const float *r = image.data(), *g = r + plane, *b = g + plane;
    const float *ch[3] = {r, g, b};
    for (int p = 0; p < 3; ++p) {
      double s = 0;
      for (size_t k = 0; k < plane; ++k)
        s += ch[p][k];
      sum[p] += s;
      for (int q = p; q < 3; ++q) {
        double pq = 0;
        for (size_t k = 0; k < plane; ++k)
          pq += ch[p][k] * ch[q][k];
        products[3 * p + q] += pq;
      }
    }
  }
  double n = double(dataset.count()) * double(plane), covariance[9];
  for (int p = 0; p < 3; ++p)
    for (int q = p; q < 3; ++q)
      covariance[3 * p + q] = covariance[3 * q + p] =
          products[3 * p + q] / n - (sum[p] / n) * (sum[q] / n);
  double values[3], vectors[9];
  eigenSymmetric3(covariance, values, vectors);
  for (int i = 0; i < 3; ++i)
    eigenvalues[i] = float(values[i]);
  for (int i = 0; i < 9; ++i)
    eigenvectors[i] = float(vectors[i]);
  return true;
}

} // namespace cvc::data
