#include "bcemb/train/bpr_sampler.h"

#include <algorithm>
#include <array>

#include "bcemb/graph/bipartite_graph.h"
#include "bcemb/util/error.h"
#include "bcemb/util/prefetch.h"

namespace bcemb {

BprSampler::BprSampler(const BipartiteGraph& graph, uint64_t seed) : rng_(seed) {
  const CsrMatrix& adj = graph.adjacency()->fwd;
  num_items_ = graph.num_items();
  num_edges_ = graph.num_edges();
  for (int32_t u = 0; u < graph.num_users(); ++u) {
    if (adj.indptr[u + 1] == adj.indptr[u]) continue;
    if (graph.num_positives(u) >= graph.num_items())
      continue;  // no possible negative: such a user carries no ranking signal
    Span s;
    s.user = u;
    s.begin = static_cast<int64_t>(lists_.size());
    s.edges = adj.indptr[u + 1] - adj.indptr[u];
    s.positives = static_cast<int32_t>(graph.num_positives(u));
    for (int64_t e = adj.indptr[u]; e < adj.indptr[u + 1]; ++e) lists_.push_back(adj.indices[e] - graph.num_users());
    lists_.insert(lists_.end(), graph.positives_begin(u), graph.positives_end(u));
    spans_.push_back(s);
  }
  if (spans_.empty()) throw Error("BPR sampler: the training graph has no user with a possible negative item");
}

BprTriples BprSampler::sample_epoch() {
  BprTriples t;
  sample_epoch(t);
  return t;
}

void BprSampler::sample_epoch(BprTriples& t) {
  const auto n = static_cast<size_t>(num_edges_);
  t.users.resize(n);
  t.pos.resize(n);
  t.neg.resize(n);
  const auto n_users = static_cast<uint64_t>(spans_.size());
  const auto n_items = static_cast<uint64_t>(num_items_);
  // A triple reads its user's span and lists at random places, which miss
  // the caches once the graph outgrows them, and each read waits for the one
  // before. The draws are known ahead, though: a triple takes three (user,
  // positive, negative) unless its negative is rejected, which is rare. So a
  // copy of the generator runs kAhead triples ahead: it prefetches each
  // predicted user's span, and kAhead / 2 triples later that user's lists at
  // the predicted positive and the middle of its positives (where the
  // negative's search starts). After a rejection the copy restarts from the
  // generator. Only the prefetches depend on the guesses: the triples are
  // those of drawing one at a time.
  constexpr size_t kAhead = 16;
  struct Guess {
    uint64_t user = 0, positive = 0;
  };
  std::array<Guess, kAhead> guess;  // of triple i in slot i % kAhead
  Rng ahead = rng_;
  size_t predicted = 0;  // triples guessed so far
  auto predict = [&] {
    Guess& g = guess[predicted++ % kAhead];
    g.user = ahead.below(n_users);
    g.positive = ahead.next();
    ahead.next();  // the negative
    prefetch(&spans_[g.user]);
  };
  auto prefetch_lists = [&](size_t i) {
    const Guess& g = guess[i % kAhead];
    const Span& s = spans_[g.user];
    const int32_t* lists = lists_.data() + s.begin;
    prefetch(lists + Rng::below(g.positive, static_cast<uint64_t>(s.edges)));
    prefetch(lists + s.edges + s.positives / 2);
  };
  auto restart = [&](size_t from) {  // guesses for triples from, from + 1, ...
    ahead = rng_;
    predicted = from;
    while (predicted < from + kAhead) predict();
    for (size_t i = from; i < from + kAhead / 2; ++i) prefetch_lists(i);
  };
  restart(0);
  for (size_t i = 0; i < n; ++i) {
    predict();  // triple i + kAhead, into the slot of triple i
    prefetch_lists(i + kAhead / 2);
    const Span& s = spans_[rng_.below(n_users)];
    const int32_t* lists = lists_.data() + s.begin;
    t.users[i] = s.user;
    t.pos[i] = lists[Rng::below(rng_.next(), static_cast<uint64_t>(s.edges))];
    const int32_t* positives = lists + s.edges;
    int32_t neg = static_cast<int32_t>(rng_.below(n_items));
    if (std::binary_search(positives, positives + s.positives, neg)) {
      do {
        neg = static_cast<int32_t>(rng_.below(n_items));
      } while (std::binary_search(positives, positives + s.positives, neg));
      restart(i + 1);
    }
    t.neg[i] = neg;
  }
}

}  // namespace bcemb
