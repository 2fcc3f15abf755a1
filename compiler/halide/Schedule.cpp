//===- Schedule.cpp - schedule spaces, points and their text form -------===//
#include "cvc/halide/Schedule.h"

#include <algorithm>
#include <cassert>
#include <climits>
#include <cstdlib>
#include <sstream>

namespace cvc::halide {

std::string ScheduleParam::format(int64_t value) const {
  if (!labels.empty())
    for (size_t i = 0; i < values.size(); ++i)
      if (values[i] == value)
        return labels[i];
  return std::to_string(value);
}

std::optional<int64_t> ScheduleParam::parse(const std::string &text) const {
  for (size_t i = 0; i < labels.size(); ++i)
    if (labels[i] == text)
      return values[i];
  if (text.empty())
    return std::nullopt;
  char *end = nullptr;
  long long value = std::strtoll(text.c_str(), &end, 10);
  if (*end != '\0' || !allows(value))
    return std::nullopt;
  return value;
}

bool ScheduleParam::allows(int64_t value) const {
  return std::binary_search(values.begin(), values.end(), value);
}

int64_t SchedulePoint::get(const std::string &name) const {
  for (const auto &[key, value] : values_)
    if (key == name)
      return value;
  assert(false && "schedule parameter missing from a checked point");
  std::abort();
}

bool SchedulePoint::has(const std::string &name) const {
  return std::any_of(values_.begin(), values_.end(),
                     [&](const auto &entry) { return entry.first == name; });
}

SchedulePoint &SchedulePoint::set(const std::string &name, int64_t value) {
  for (auto &[key, current] : values_)
    if (key == name) {
      current = value;
      return *this;
    }
  values_.emplace_back(name, value);
  return *this;
}

bool SchedulePoint::operator==(const SchedulePoint &other) const {
  if (algorithm_ != other.algorithm_ || values_.size() != other.values_.size())
    return false;
  return std::all_of(values_.begin(), values_.end(), [&](const auto &entry) {
    return other.has(entry.first) && other.get(entry.first) == entry.second;
  });
}

ScheduleParam &ScheduleAlgorithm::add(std::string paramName, std::vector<int64_t> values,
                                      std::vector<std::string> labels) {
  assert(labels.empty() || labels.size() == values.size());
  assert(std::is_sorted(values.begin(), values.end()) && !values.empty());
  params.push_back({std::move(paramName), std::move(values), std::move(labels)});
  return params.back();
}

ScheduleSpace ScheduleSpace::fixed(const std::string &name) {
  ScheduleSpace space;
  space.addAlgorithm(name);
  space.defaultPoint = SchedulePoint(name);
  return space;
}

ScheduleAlgorithm &ScheduleSpace::addAlgorithm(std::string name) {
  algorithms.push_back({std::move(name), {}, nullptr});
  return algorithms.back();
}

const ScheduleAlgorithm *ScheduleSpace::find(const std::string &algorithm) const {
  for (const ScheduleAlgorithm &a : algorithms)
    if (a.name == algorithm)
      return &a;
  return nullptr;
}

std::string ScheduleSpace::check(const SchedulePoint &point) const {
  const ScheduleAlgorithm *algorithm = find(point.algorithm());
  if (!algorithm) {
    std::string known;
    for (const ScheduleAlgorithm &a : algorithms)
      known += (known.empty() ? "" : ", ") + a.name;
    return "algorithm '" + point.algorithm() + "' does not apply here (this kernel has: " +
           known + ")";
  }
  for (const ScheduleParam &param : algorithm->params) {
    if (!point.has(param.name))
      return "parameter '" + param.name + "' is missing";
    int64_t value = point.get(param.name);
    if (!param.allows(value)) {
      std::string legal;
      for (int64_t v : param.values)
        legal += (legal.empty() ? "" : ",") + param.format(v);
      return param.name + "=" + std::to_string(value) + " is not legal here (legal: " + legal +
             ")";
    }
  }
  for (const auto &[name, value] : point.values()) {
    (void)value;
    bool known = std::any_of(algorithm->params.begin(), algorithm->params.end(),
                             [&](const ScheduleParam &p) { return p.name == name; });
    if (!known)
      return "'" + algorithm->name + "' has no parameter '" + name + "'";
  }
  if (algorithm->constraint)
    return algorithm->constraint(point);
  return "";
}

std::string ScheduleSpace::format(const SchedulePoint &point) const {
  std::string text = point.algorithm();
  const ScheduleAlgorithm *algorithm = find(point.algorithm());
  auto formatOne = [&](const std::string &name, int64_t value) {
    if (algorithm)
      for (const ScheduleParam &p : algorithm->params)
        if (p.name == name)
          return p.format(value);
    return std::to_string(value);
  };
  // The space's parameter order, so that equal points print alike.
  if (algorithm) {
    for (const ScheduleParam &p : algorithm->params)
      if (point.has(p.name))
        text += " " + p.name + "=" + formatOne(p.name, point.get(p.name));
    return text;
  }
  for (const auto &[name, value] : point.values())
    text += " " + name + "=" + formatOne(name, value);
  return text;
}

std::optional<SchedulePoint> ScheduleSpace::parse(const std::string &text,
                                                  std::string &error) const {
  std::istringstream in(text);
  std::string word;
  if (!(in >> word)) {
    error = "an empty schedule";
    return std::nullopt;
  }
  const ScheduleAlgorithm *algorithm = find(word);
  if (!algorithm) {
    error = check(SchedulePoint(word));
    return std::nullopt;
  }
  SchedulePoint point(word);
  while (in >> word) {
    size_t eq = word.find('=');
    if (eq == std::string::npos) {
      error = "'" + word + "' is not name=value";
      return std::nullopt;
    }
    std::string name = word.substr(0, eq), value = word.substr(eq + 1);
    const ScheduleParam *param = nullptr;
    for (const ScheduleParam &p : algorithm->params)
      if (p.name == name)
        param = &p;
    if (!param) {
      error = "'" + algorithm->name + "' has no parameter '" + name + "'";
      return std::nullopt;
    }
    std::optional<int64_t> parsed = param->parse(value);
    if (!parsed) {
      error = name + "=" + value + " is not legal here";
      return std::nullopt;
    }
    point.set(name, *parsed);
  }
  for (const ScheduleParam &p : algorithm->params)
    if (p.absent && !point.has(p.name))
      point.set(p.name, *p.absent);
  error = check(point);
  if (!error.empty())
    return std::nullopt;
  return point;
}

int64_t ScheduleSpace::gridSize(const ScheduleAlgorithm &algorithm) const {
  int64_t size = 1;
  for (const ScheduleParam &p : algorithm.params) {
    int64_t n = static_cast<int64_t>(p.values.size());
    if (size > INT64_MAX / n)
      return INT64_MAX;
    size *= n;
  }
  return size;
}

namespace {
/// Advances `index` over the algorithm's grid, the last parameter fastest;
/// false once every point has been visited.
bool nextGridIndex(const ScheduleAlgorithm &algorithm, std::vector<size_t> &index) {
  for (size_t d = index.size(); d-- > 0;) {
    if (++index[d] < algorithm.params[d].values.size())
      return true;
    index[d] = 0;
  }
  return false;
}
} // namespace

std::vector<SchedulePoint> ScheduleSpace::enumerate(int64_t limit) const {
  std::vector<SchedulePoint> points;
  for (const ScheduleAlgorithm &algorithm : algorithms) {
    std::vector<size_t> index(algorithm.params.size(), 0);
    while (static_cast<int64_t>(points.size()) < limit) {
      SchedulePoint point(algorithm.name);
      for (size_t i = 0; i < index.size(); ++i)
        point.set(algorithm.params[i].name, algorithm.params[i].values[index[i]]);
      if (!algorithm.constraint || algorithm.constraint(point).empty())
        points.push_back(std::move(point));
      if (!nextGridIndex(algorithm, index))
        break;
    }
  }
  return points;
}

std::vector<int64_t> powersOfTwoUpTo(int64_t max) {
  std::vector<int64_t> values = {1};
  for (int64_t v = 2; v <= max; v *= 2)
    values.push_back(v);
  return values;
}

std::vector<int64_t> rangeUpTo(int64_t max) {
  std::vector<int64_t> values;
  for (int64_t v = 1; v <= std::max<int64_t>(max, 1); ++v)
    values.push_back(v);
  return values;
}

std::vector<int64_t> divisorsUpTo(int64_t n, int64_t max) {
  std::vector<int64_t> values;
  for (int64_t d = 1; d <= std::min(n, max); ++d)
    if (n % d == 0)
      values.push_back(d);
  if (values.empty())
    values.push_back(1);
  return values;
}

std::vector<int64_t> withValue(std::vector<int64_t> values, int64_t extra) {
  if (!std::binary_search(values.begin(), values.end(), extra))
    values.insert(std::upper_bound(values.begin(), values.end(), extra), extra);
  return values;
}

} // namespace cvc::halide
