// libFuzzer target: any bytes as a Modelfile. Parsing, the params encoder and the `show`
// writers must never crash, hang or allocate without bound.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "store/modelfile.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto mf = hearth::store::ParseModelfile(text);
  if (!mf.ok()) return 0;
  auto params = hearth::store::EncodeParams(hearth::store::ModelfileParameters(*mf), "");
  if (params.ok()) (void)hearth::store::FormatParameters(*params);
  hearth::store::ModelfileView view;
  for (const auto& c : mf->commands) {
    if (c.directive == hearth::store::Directive::kTemplate) view.template_text = c.value;
    if (c.directive == hearth::store::Directive::kSystem) view.system = c.value;
    if (c.directive == hearth::store::Directive::kLicense) view.licenses.push_back(c.value);
  }
  if (params.ok()) view.params_json = *params;
  auto text_out = hearth::store::FormatModelfile(view);
  if (text_out.ok()) (void)hearth::store::ParseModelfile(*text_out);
  return 0;
}
