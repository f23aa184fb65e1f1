// Signs of coordinated posting: near-duplicate comments from different authors and
// bursts of first posts from new authors.
#pragma once
#include <vector>

#include "comity/thread.h"

namespace comity::thread_analysis {

std::vector<DuplicatePair> find_near_duplicates(const Thread& thread,
                                                const ThreadAnalysisOptions& options);
std::vector<Burst> find_new_author_bursts(const Thread& thread,
                                          const ThreadAnalysisOptions& options);

}  // namespace comity::thread_analysis
