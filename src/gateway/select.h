#pragma once
// Picking one deployment among the available ones of a model group: `order` priorities, then
// the routing strategy. Pure functions over a snapshot of deployment state; the caller holds the
// gateway's lock and owns the random generator.

#include <cstdint>
#include <optional>
#include <random>
#include <vector>

#include "gateway/config.h"

namespace hearth::gateway {

struct CandidateView {
  size_t index = 0;                 // returned by PickDeployment
  const Deployment* deployment = nullptr;
  int in_flight = 0;
  int64_t tokens_last_minute = 0;
  std::optional<double> latency_ms;  // EWMA; none yet = preferred (explored first)
};

// Returns the index of the chosen candidate (CandidateView::index), or nullopt when `candidates`
// is empty. Only the candidates of the best `order` take part (the lowest set order; order 0 =
// unset = after every set order). Then:
//   simple-shuffle: weighted random by weight (when any weight differs from 1), else by rpm
//                   (when every candidate sets one), else by tpm (likewise), else uniform
//   least-busy:     fewest in flight
//   latency-based:  lowest latency EWMA (unmeasured counts as 0)
//   cost-based:     lowest input+output cost per token (unpriced remote: $1, unpriced local: 0)
//   usage-based:    fewest tokens in the last minute
// Ties go to the first in config order.
std::optional<size_t> PickDeployment(RoutingStrategy strategy,
                                     const std::vector<CandidateView>& candidates,
                                     std::mt19937_64& rng);

}  // namespace hearth::gateway
