#include "gateway/select.h"

#include <algorithm>
#include <climits>
#include <functional>

namespace hearth::gateway {

namespace {

int OrderKey(const Deployment& d) { return d.order > 0 ? d.order : INT_MAX; }

double Cost(const Deployment& d) {
  if (!d.input_cost_per_token && !d.output_cost_per_token) {
    return d.provider == Provider::kLocal ? 0.0 : 1.0;
  }
  return d.input_cost_per_token.value_or(0) + d.output_cost_per_token.value_or(0);
}

size_t MinBy(const std::vector<const CandidateView*>& c,
             const std::function<double(const CandidateView&)>& key) {
  size_t best = 0;
  for (size_t i = 1; i < c.size(); ++i) {
    if (key(*c[i]) < key(*c[best])) best = i;
  }
  return best;
}

size_t Weighted(const std::vector<const CandidateView*>& c, std::mt19937_64& rng) {
  std::vector<double> w;
  const bool by_weight = std::any_of(c.begin(), c.end(), [](const CandidateView* v) {
    return v->deployment->weight != 1.0;
  });
  const bool by_rpm = std::all_of(c.begin(), c.end(), [](const CandidateView* v) {
    return v->deployment->rpm.has_value();
  });
  const bool by_tpm = std::all_of(c.begin(), c.end(), [](const CandidateView* v) {
    return v->deployment->tpm.has_value();
  });
  for (const CandidateView* v : c) {
    const Deployment& d = *v->deployment;
    double x = 1.0;
    if (by_weight) x = d.weight;
    else if (by_rpm) x = static_cast<double>(*d.rpm);
    else if (by_tpm) x = static_cast<double>(*d.tpm);
    w.push_back(std::max(0.0, x));
  }
  double total = 0;
  for (double x : w) total += x;
  if (total <= 0) {
    std::uniform_int_distribution<size_t> pick(0, c.size() - 1);
    return pick(rng);
  }
  std::uniform_real_distribution<double> u(0, total);
  double r = u(rng);
  for (size_t i = 0; i < w.size(); ++i) {
    if (r < w[i]) return i;
    r -= w[i];
  }
  // Rounding: the last one with a positive weight.
  for (size_t i = w.size(); i-- > 0;) {
    if (w[i] > 0) return i;
  }
  return 0;
}

}  // namespace

std::optional<size_t> PickDeployment(RoutingStrategy strategy,
                                     const std::vector<CandidateView>& candidates,
                                     std::mt19937_64& rng) {
  if (candidates.empty()) return std::nullopt;
  int best_order = INT_MAX;
  for (const CandidateView& c : candidates) best_order = std::min(best_order, OrderKey(*c.deployment));
  std::vector<const CandidateView*> tier;
  for (const CandidateView& c : candidates) {
    if (OrderKey(*c.deployment) == best_order) tier.push_back(&c);
  }
  size_t chosen = 0;
  switch (strategy) {
    case RoutingStrategy::kSimpleShuffle:
      chosen = Weighted(tier, rng);
      break;
    case RoutingStrategy::kLeastBusy:
      chosen = MinBy(tier, [](const CandidateView& v) { return static_cast<double>(v.in_flight); });
      break;
    case RoutingStrategy::kLatencyBased:
      chosen = MinBy(tier, [](const CandidateView& v) { return v.latency_ms.value_or(0.0); });
      break;
    case RoutingStrategy::kCostBased:
      chosen = MinBy(tier, [](const CandidateView& v) { return Cost(*v.deployment); });
      break;
    case RoutingStrategy::kUsageBased:
      chosen = MinBy(tier, [](const CandidateView& v) {
        return static_cast<double>(v.tokens_last_minute);
      });
      break;
  }
  return tier[chosen]->index;
}

}  // namespace hearth::gateway
