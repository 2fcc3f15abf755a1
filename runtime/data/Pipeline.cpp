//===- Pipeline.cpp - parsing and running augmentation specs ------------===//
#include "Augment.h"

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace cvc::data {

namespace {

std::string trim(const std::string &s) {
  size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

/// KEY=VALUE into `params`; false and a message when malformed.
bool parseParam(const std::string &op, const std::string &item, Params &params,
                std::string &error) {
  size_t eq = item.find('=');
  std::string key = trim(item.substr(0, eq));
  if (eq == std::string::npos || key.empty()) {
    error = op + ": expected KEY=VALUE, got '" + item + "'";
    return false;
  }
  std::string value = trim(item.substr(eq + 1));
  char *end = nullptr;
  float v = std::strtof(value.c_str(), &end);
  if (value.empty() || *end || !std::isfinite(v)) {
    error = op + ": " + key + " expects a number, got '" + value + "'";
    return false;
  }
  if (params.count(key)) {
    error = op + ": " + key + " is given twice";
    return false;
  }
  params[key] = v;
  return true;
}

} // namespace

bool Pipeline::parse(const std::string &spec, std::string &error) {
  // Items separated by ','; "NAME" or "NAME:K=V" opens an operation, "K=V" adds to the open one.
  std::vector<std::pair<std::string, Params>> parsed;
  size_t start = 0;
  std::string text = trim(spec);
  if (text.empty() || text == "none")
    return true;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    std::string item = trim(text.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    start = comma == std::string::npos ? text.size() + 1 : comma + 1;
    if (item.empty()) {
      error = "empty item in augmentation spec '" + spec + "'";
      return false;
    }
    size_t colon = item.find(':');
    if (colon != std::string::npos || item.find('=') == std::string::npos) {
      parsed.push_back({trim(item.substr(0, colon)), {}});
      if (colon != std::string::npos &&
          !parseParam(parsed.back().first, item.substr(colon + 1), parsed.back().second, error))
        return false;
    } else if (parsed.empty()) {
      error = "augmentation spec '" + spec + "' starts with a parameter, not an operation";
      return false;
    } else if (!parseParam(parsed.back().first, item, parsed.back().second, error)) {
      return false;
    }
  }
  for (auto &[name, params] : parsed) {
    std::unique_ptr<Operation> op = makeOperation(name, params, error);
    if (!op)
      return false;
    operations.push_back(std::move(op));
  }
  return true;
}

Shape Pipeline::outputShape(Shape in, std::string &error) const {
  for (const auto &op : operations) {
    in = op->outputShape(in, error);
    if (!error.empty())
      return in;
  }
  return in;
}

void Pipeline::apply(uint64_t seed, uint64_t epoch, uint64_t index, const float *src, Shape in,
                     float *dst, std::vector<float> &work) const {
  Random random(seed, epoch, index);
  // Ping-pong between two halves of `work`, each as large as the largest stage.
  std::string unused;
  size_t largest = in.size();
  Shape stage = in;
  for (const auto &op : operations)
    largest = std::max(largest, (stage = op->outputShape(stage, unused)).size());
  if (work.size() < 2 * largest)
    work.resize(2 * largest);
  const float *current = src;
  Shape shape = in;
  int next = 0;
  for (size_t k = 0; k < operations.size(); ++k) {
    Shape outShape = operations[k]->outputShape(shape, unused);
    // The last operation writes straight into dst unless dst overlaps its input.
    auto at = [](const float *p) { return reinterpret_cast<uintptr_t>(p); };
    bool direct = k + 1 == operations.size() && (at(dst) >= at(current + shape.size()) ||
                                                 at(dst + outShape.size()) <= at(current));
    float *out = direct ? dst : work.data() + next * largest;
    if (operations[k]->apply(current, shape, out, random)) {
      current = out;
      shape = outShape;
      next ^= 1;
    }
  }
  if (current != dst)
    std::memcpy(dst, current, shape.size() * sizeof(float));
}

bool Pipeline::needsPrincipalComponents() const {
  for (const auto &op : operations)
    if (op->needsPrincipalComponents())
      return true;
  return false;
}

std::shared_ptr<Pipeline> Pipeline::withPrincipalComponents(const float eigenvalues[3],
                                                            const float eigenvectors[9]) const {
  auto copy = std::make_shared<Pipeline>(*this);
  for (auto &op : copy->operations)
    if (auto fitted = op->withPrincipalComponents(eigenvalues, eigenvectors))
      op = std::move(fitted);
  return copy;
}

} // namespace cvc::data
