#include "chat/options.h"

namespace hearth::chat {
const char* DoneReasonName(DoneReason r) {
  switch (r) {
    case DoneReason::kStop: return "stop";
    case DoneReason::kLength: return "length";
    case DoneReason::kCancelled: return "cancelled";
    case DoneReason::kError: return "error";
  }
  return "error";
}
}  // namespace hearth::chat
