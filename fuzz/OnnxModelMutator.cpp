//===- OnnxModelMutator.cpp - structure-aware mutations of a ModelProto ---===//
//
// Byte-level mutations of a protobuf mostly break its framing and test only
// the parser. This hook (libFuzzer's LLVMFuzzerCustomMutator) parses the
// input, changes one thing a hostile or buggy exporter could change (an
// attribute value, a tensor's dims or type or data, an edge, an op type, the
// opset, an external-data reference) and serialises it again, so that the
// importer's checks past parsing are what gets exercised. One mutation in
// four, and any input that does not parse, goes to the byte mutator.
//
//===----------------------------------------------------------------------===//
#include <onnx/onnx_pb.h>

#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

extern "C" size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t maxSize);

namespace {

using Rng = std::minstd_rand;

int64_t pick(Rng &rng, int64_t n) { return n <= 0 ? 0 : static_cast<int64_t>(rng() % n); }

/// Integers that break assumptions: zero, negatives, overflowing extremes.
int64_t hostileInt(Rng &rng, int64_t current) {
  static const int64_t values[] = {0,
                                   -1,
                                   1,
                                   2,
                                   3,
                                   7,
                                   -2,
                                   1 << 16,
                                   int64_t(1) << 31,
                                   int64_t(1) << 62,
                                   std::numeric_limits<int64_t>::max(),
                                   std::numeric_limits<int64_t>::min()};
  switch (pick(rng, 4)) {
  case 0: // wrapping on purpose, without signed overflow
    return static_cast<int64_t>(static_cast<uint64_t>(current) + 1);
  case 1:
    return static_cast<int64_t>(static_cast<uint64_t>(current) - 1);
  default:
    return values[pick(rng, std::size(values))];
  }
}

float hostileFloat(Rng &rng) {
  static const float values[] = {0.0f, -1.0f, 1.0f, 0.5f, 2.0f, 1e30f, -1e30f, 1e-30f,
                                 std::numeric_limits<float>::quiet_NaN(),
                                 std::numeric_limits<float>::infinity()};
  return values[pick(rng, std::size(values))];
}

using Ints = google::protobuf::RepeatedField<int64_t>;

/// One value of `values` (an attribute's ints, a tensor's dims) made
/// hostile, or one added to an empty list.
void changeOne(Rng &rng, Ints &values) {
  if (values.empty()) {
    values.Add(hostileInt(rng, 0));
    return;
  }
  int i = static_cast<int>(pick(rng, values.size()));
  values.Set(i, hostileInt(rng, values.Get(i)));
}

/// The list one shorter or one longer: ranks that disagree.
void resize(Rng &rng, Ints &values) {
  if (!values.empty() && pick(rng, 2))
    values.RemoveLast();
  else
    values.Add(hostileInt(rng, 1));
}

struct Model {
  onnx::ModelProto &proto;
  std::vector<onnx::NodeProto *> nodes;
  std::vector<onnx::TensorProto *> tensors;
  std::vector<onnx::ValueInfoProto *> declared;
  std::vector<std::string> names;

  void collect(onnx::GraphProto &g) {
    for (auto &t : *g.mutable_initializer()) {
      tensors.push_back(&t);
      names.push_back(t.name());
    }
    for (auto *list : {g.mutable_input(), g.mutable_output(), g.mutable_value_info()})
      for (auto &v : *list) {
        declared.push_back(&v);
        names.push_back(v.name());
      }
    for (auto &n : *g.mutable_node()) {
      nodes.push_back(&n);
      for (const auto &o : n.output())
        names.push_back(o);
      for (auto &a : *n.mutable_attribute()) {
        if (a.has_t())
          tensors.push_back(a.mutable_t());
        if (a.has_g())
          collect(*a.mutable_g());
      }
    }
  }
};

void mutateAttribute(Rng &rng, onnx::NodeProto &n) {
  static const char *names[] = {"strides", "pads", "dilations", "kernel_shape", "group", "axis",
                                "axes", "perm", "blocksize", "size", "alpha", "beta",
                                "ceil_mode", "auto_pad", "mode", "output_padding", "output_shape",
                                "keepdims", "transA", "transB", "epsilon", "split", "scales"};
  if (n.attribute_size() == 0 || pick(rng, 5) == 0) {
    auto *a = n.add_attribute();
    a->set_name(names[pick(rng, std::size(names))]);
    switch (pick(rng, 4)) {
    case 0:
      a->set_type(onnx::AttributeProto::INT);
      a->set_i(hostileInt(rng, 1));
      break;
    case 1:
      a->set_type(onnx::AttributeProto::INTS);
      for (int64_t k = pick(rng, 5); k >= 0; --k)
        a->add_ints(hostileInt(rng, 1));
      break;
    case 2:
      a->set_type(onnx::AttributeProto::FLOAT);
      a->set_f(hostileFloat(rng));
      break;
    default:
      a->set_type(onnx::AttributeProto::STRING);
      static const char *strings[] = {"SAME_UPPER", "VALID", "NOTSET", "linear", "nearest",
                                      "cubic", "align_corners", "", "DCR", "CRD"};
      a->set_s(strings[pick(rng, std::size(strings))]);
    }
    return;
  }
  const int index = static_cast<int>(pick(rng, n.attribute_size()));
  auto &a = *n.mutable_attribute(index);
  switch (pick(rng, 6)) {
  case 0:
    a.set_i(hostileInt(rng, a.i()));
    break;
  case 1:
    changeOne(rng, *a.mutable_ints());
    break;
  case 2:
    resize(rng, *a.mutable_ints());
    break;
  case 3:
    a.set_f(hostileFloat(rng));
    if (a.floats_size())
      a.set_floats(pick(rng, a.floats_size()), hostileFloat(rng));
    break;
  case 4:
    a.set_type(static_cast<onnx::AttributeProto::AttributeType>(pick(rng, 15)));
    break;
  default:
    n.mutable_attribute()->DeleteSubrange(index, 1);
  }
}

void mutateTensor(Rng &rng, onnx::TensorProto &t) {
  switch (pick(rng, 6)) {
  case 0:
    changeOne(rng, *t.mutable_dims());
    break;
  case 1:
    resize(rng, *t.mutable_dims());
    break;
  case 2:
    t.set_data_type(static_cast<int32_t>(pick(rng, 18)));
    break;
  case 3:
    if (t.has_raw_data()) {
      std::string raw = t.raw_data();
      raw.resize(pick(rng, 2) ? raw.size() / 2 : raw.size() + 4, '\x7f');
      t.set_raw_data(raw);
    } else {
      t.add_float_data(hostileFloat(rng));
      t.add_int64_data(hostileInt(rng, 0));
    }
    break;
  case 4: {
    static const char *locations[] = {"weights.bin", "../weights.bin", "/etc/passwd",
                                      "a/../../b", "", "/proc/self/mem", "."};
    t.set_data_location(onnx::TensorProto::EXTERNAL);
    t.clear_raw_data();
    auto *kv = t.add_external_data();
    kv->set_key("location");
    kv->set_value(locations[pick(rng, std::size(locations))]);
    auto *len = t.add_external_data();
    len->set_key(pick(rng, 2) ? "length" : "offset");
    len->set_value(std::to_string(hostileInt(rng, 64)));
    break;
  }
  default:
    t.mutable_segment()->set_begin(0);
    t.mutable_segment()->set_end(hostileInt(rng, 1));
  }
}

void mutateDeclared(Rng &rng, onnx::ValueInfoProto &v) {
  auto *type = v.mutable_type()->mutable_tensor_type();
  if (pick(rng, 3) == 0) {
    type->set_elem_type(static_cast<int32_t>(pick(rng, 18)));
    return;
  }
  auto *shape = type->mutable_shape();
  if (shape->dim_size() == 0 || pick(rng, 4) == 0) {
    shape->add_dim()->set_dim_value(hostileInt(rng, 1));
    return;
  }
  auto *dim = shape->mutable_dim(pick(rng, shape->dim_size()));
  if (pick(rng, 4) == 0)
    dim->set_dim_param("n");
  else
    dim->set_dim_value(hostileInt(rng, dim->dim_value()));
}

void mutateGraph(Rng &rng, Model &m) {
  switch (pick(rng, 7)) {
  case 0: // rewire an edge: dangling names, cycles, self-loops
    if (!m.nodes.empty()) {
      auto *n = m.nodes[pick(rng, m.nodes.size())];
      std::string name = m.names.empty() || pick(rng, 5) == 0 ? "dangling" : m.names[pick(rng, m.names.size())];
      if (n->input_size() && pick(rng, 3))
        n->set_input(pick(rng, n->input_size()), name);
      else if (pick(rng, 2))
        n->add_input(name);
      else if (n->output_size())
        n->set_output(pick(rng, n->output_size()), name);
    }
    break;
  case 1: // another op type
    if (!m.nodes.empty()) {
      static const char *ops[] = {"Conv", "ConvTranspose", "MaxPool", "AveragePool", "Gemm",
                                  "MatMul", "Reshape", "Concat", "Resize", "Upsample", "Slice",
                                  "Gather", "Transpose", "Squeeze", "Unsqueeze", "Split", "Pad",
                                  "BatchNormalization", "LRN", "Softmax", "ReduceMean", "Expand",
                                  "Tile", "ConstantOfShape", "Range", "If", "DepthToSpace",
                                  "Flatten", "Add", "Mul", "Shape", "Cast", "Clip", "Einsum"};
      m.nodes[pick(rng, m.nodes.size())]->set_op_type(ops[pick(rng, std::size(ops))]);
    }
    break;
  case 2: // remove or duplicate a node
    if (!m.nodes.empty() && m.proto.graph().node_size()) {
      auto *nodes = m.proto.mutable_graph()->mutable_node();
      int i = static_cast<int>(pick(rng, nodes->size()));
      if (pick(rng, 2))
        nodes->DeleteSubrange(i, 1);
      else
        *nodes->Add() = nodes->Get(i);
    }
    break;
  case 3: { // opset
    auto *opset = m.proto.opset_import_size() ? m.proto.mutable_opset_import(0)
                                              : m.proto.add_opset_import();
    opset->set_version(pick(rng, 3) ? 6 + pick(rng, 14) : hostileInt(rng, opset->version()));
    if (pick(rng, 8) == 0)
      opset->set_domain("com.example");
    break;
  }
  case 4: // an initializer that is also a declared input, or an input removed
    if (m.proto.graph().input_size() && pick(rng, 2))
      m.proto.mutable_graph()->mutable_input()->DeleteSubrange(0, 1);
    else if (!m.tensors.empty())
      m.proto.mutable_graph()->add_input()->set_name(m.tensors[pick(rng, m.tensors.size())]->name());
    break;
  case 5:
    if (!m.proto.graph().output_size() || pick(rng, 2))
      m.proto.mutable_graph()->add_output()->set_name(
          m.names.empty() ? "dangling" : m.names[pick(rng, m.names.size())]);
    else
      m.proto.mutable_graph()->mutable_output()->DeleteSubrange(0, 1);
    break;
  default: // an If whose branches nest
    if (!m.nodes.empty()) {
      onnx::GraphProto copy = m.proto.graph();
      auto *n = m.nodes[pick(rng, m.nodes.size())];
      auto *a = n->add_attribute();
      a->set_name(pick(rng, 2) ? "then_branch" : "else_branch");
      a->set_type(onnx::AttributeProto::GRAPH);
      *a->mutable_g() = std::move(copy);
    }
  }
}

} // namespace

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t maxSize,
                                          unsigned int seed) {
  Rng rng(seed);
  onnx::ModelProto proto;
  if (pick(rng, 4) == 0 || !proto.ParseFromArray(data, static_cast<int>(size)))
    return LLVMFuzzerMutate(data, size, maxSize);
  Model m{proto, {}, {}, {}, {}};
  m.collect(*proto.mutable_graph());
  switch (pick(rng, 4)) {
  case 0:
    if (!m.nodes.empty()) {
      mutateAttribute(rng, *m.nodes[pick(rng, m.nodes.size())]);
      break;
    }
    [[fallthrough]];
  case 1:
    if (!m.tensors.empty()) {
      mutateTensor(rng, *m.tensors[pick(rng, m.tensors.size())]);
      break;
    }
    [[fallthrough]];
  case 2:
    if (!m.declared.empty()) {
      mutateDeclared(rng, *m.declared[pick(rng, m.declared.size())]);
      break;
    }
    [[fallthrough]];
  default:
    mutateGraph(rng, m);
  }
  std::string out;
  if (!proto.SerializeToString(&out) || out.size() > maxSize)
    return LLVMFuzzerMutate(data, size, maxSize);
  std::memcpy(data, out.data(), out.size());
  return out.size();
}
