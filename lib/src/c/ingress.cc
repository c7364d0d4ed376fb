// bbsnap.h: the ingress events, of each of the five kinds.
#include <string>

#include "bbsnap/bbsnap.h"
#include "c/call.h"

using bbsnap::Result;
using bbsnap::Snapshot;
using bbsnap::Status;
using bbsnap::c::Call;
using bbsnap::c::count_of;
using bbsnap::c::put;
using bbsnap::c::read_section;
namespace fb = bbsnap::fb;

namespace {

static_assert(BBSNAP_INGRESS_ENVELOPE == static_cast<int>(fb::IngressEvent::Envelope));
static_assert(BBSNAP_INGRESS_APP_EVENT == static_cast<int>(fb::IngressEvent::AppEvent));
static_assert(BBSNAP_INGRESS_INVOKE == static_cast<int>(fb::IngressEvent::Invoke));
static_assert(BBSNAP_INGRESS_TIMER_MATURED == static_cast<int>(fb::IngressEvent::TimerMatured));
static_assert(BBSNAP_INGRESS_COMPLETION == static_cast<int>(fb::IngressEvent::Completion));

// The event `index` as a table of kind Event, or invalid_argument if it is
// of another kind.
template <typename Event>
Result<const Event*> event_at(const Call& call, const fb::Ingress& ingress, size_t index) {
  BBSNAP_ASSIGN_OR_RETURN(const auto* item, call.at(ingress.events(), index, "ingress event"));
  const Event* event = item->template event_as<Event>();
  if (!event) {
    return call.invalid("ingress event " + std::to_string(index) + " is a " +
                        fb::EnumNameIngressEvent(item->event_type()) + ", not a " +
                        fb::EnumNameIngressEvent(fb::IngressEventTraits<Event>::enum_value));
  }
  return event;
}

// read_section for the ingress section, with event `index` of kind Event.
template <typename Event, typename Body>
bbsnap_status read_event(const char* function, const bbsnap_snapshot* snapshot, size_t index, bbsnap_error** error,
                         Body body) {
  return read_section<&Snapshot::ingress>(function, snapshot, error,
                                          [&](const Call& call, const fb::Ingress& ingress) -> Status {
                                            BBSNAP_ASSIGN_OR_RETURN(const Event* event,
                                                                    event_at<Event>(call, ingress, index));
                                            return body(call, *event);
                                          });
}

}  // namespace

extern "C" {

bbsnap_status bbsnap_ingress_count(const bbsnap_snapshot* snapshot, size_t* count, bbsnap_error** error) {
  return bbsnap::c::count_in<&Snapshot::ingress>(__func__, snapshot, count, error,
                                           [](const fb::Ingress& root) { return root.events(); });
}

bbsnap_status bbsnap_ingress_get(const bbsnap_snapshot* snapshot, size_t index, bbsnap_ingress_kind* kind,
                                 bbsnap_error** error) {
  return read_section<&Snapshot::ingress>(
      __func__, snapshot, error, [&](const Call& call, const fb::Ingress& ingress) -> Status {
        BBSNAP_RETURN_IF_ERROR(call.outs(kind));
        BBSNAP_ASSIGN_OR_RETURN(const auto* item, call.at(ingress.events(), index, "ingress event"));
        const auto type = item->event_type();
        // A verified file has no NONE event (nor one outside the union).
        if (type == fb::IngressEvent::NONE || type > fb::IngressEvent::MAX) {
          return call.invalid("ingress event " + std::to_string(index) + " has no kind");
        }
        *kind = static_cast<bbsnap_ingress_kind>(type);
        return {};
      });
}

bbsnap_status bbsnap_ingress_envelope(const bbsnap_snapshot* snapshot, size_t index, const uint8_t** bytes,
                                      size_t* length, bbsnap_error** error) {
  return read_event<fb::Envelope>(__func__, snapshot, index, error,
                                  [&](const Call& call, const fb::Envelope& e) -> Status {
                                    BBSNAP_RETURN_IF_ERROR(call.outs(bytes, length));
                                    put(e.bytes(), bytes, length);
                                    return {};
                                  });
}

bbsnap_status bbsnap_ingress_app_event(const bbsnap_snapshot* snapshot, size_t index, const char** module_name,
                                       size_t* module_name_length, const char** input_name,
                                       size_t* input_name_length, const uint8_t** value_bytes,
                                       size_t* value_length, bbsnap_error** error) {
  return read_event<fb::AppEvent>(
      __func__, snapshot, index, error, [&](const Call& call, const fb::AppEvent& e) -> Status {
        BBSNAP_RETURN_IF_ERROR(
            call.outs(module_name, module_name_length, input_name, input_name_length, value_bytes, value_length));
        put(e.module_name(), module_name, module_name_length);
        put(e.input_name(), input_name, input_name_length);
        put(e.value_bytes(), value_bytes, value_length);
        return {};
      });
}

bbsnap_status bbsnap_ingress_invoke(const bbsnap_snapshot* snapshot, size_t index, const char** module_name,
                                    size_t* module_name_length, size_t* input_count, bbsnap_error** error) {
  return read_event<fb::Invoke>(__func__, snapshot, index, error, [&](const Call& call, const fb::Invoke& e) -> Status {
    BBSNAP_RETURN_IF_ERROR(call.outs(module_name, module_name_length, input_count));
    put(e.module_name(), module_name, module_name_length);
    *input_count = count_of(e.inputs());
    return {};
  });
}

bbsnap_status bbsnap_ingress_invoke_input(const bbsnap_snapshot* snapshot, size_t index, size_t input,
                                          const char** name, size_t* name_length, const uint8_t** bytes,
                                          size_t* length, bbsnap_error** error) {
  return read_event<fb::Invoke>(__func__, snapshot, index, error, [&](const Call& call, const fb::Invoke& e) -> Status {
    BBSNAP_RETURN_IF_ERROR(call.outs(name, name_length, bytes, length));
    BBSNAP_ASSIGN_OR_RETURN(const auto* named, call.at(e.inputs(), input, "input"));
    put(named->name(), name, name_length);
    put(named->data(), bytes, length);
    return {};
  });
}

bbsnap_status bbsnap_ingress_timer_matured(const bbsnap_snapshot* snapshot, size_t index, uint64_t* at_ns,
                                           bbsnap_error** error) {
  return read_event<fb::TimerMatured>(__func__, snapshot, index, error,
                                      [&](const Call& call, const fb::TimerMatured& e) -> Status {
                                        BBSNAP_RETURN_IF_ERROR(call.outs(at_ns));
                                        *at_ns = e.at_ns();
                                        return {};
                                      });
}

bbsnap_status bbsnap_ingress_completion(const bbsnap_snapshot* snapshot, size_t index, uint64_t* cmd_id,
                                        size_t* result_count, bbsnap_error** error) {
  return read_event<fb::Completion>(__func__, snapshot, index, error,
                                    [&](const Call& call, const fb::Completion& e) -> Status {
                                      BBSNAP_RETURN_IF_ERROR(call.outs(cmd_id, result_count));
                                      *cmd_id = e.cmd_id();
                                      *result_count = count_of(e.results());
                                      return {};
                                    });
}

bbsnap_status bbsnap_ingress_completion_result(const bbsnap_snapshot* snapshot, size_t index, size_t result,
                                               const uint8_t** bytes, size_t* length, bbsnap_error** error) {
  return read_event<fb::Completion>(__func__, snapshot, index, error,
                                    [&](const Call& call, const fb::Completion& e) -> Status {
                                      BBSNAP_RETURN_IF_ERROR(call.outs(bytes, length));
                                      BBSNAP_ASSIGN_OR_RETURN(const auto* payload,
                                                              call.at(e.results(), result, "result"));
                                      put(payload->data(), bytes, length);
                                      return {};
                                    });
}

}  // extern "C"
