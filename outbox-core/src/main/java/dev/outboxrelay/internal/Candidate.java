package dev.outboxrelay.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A row a relay round may claim, as read before claiming: its id, lane and size.
 *
 * @param bytes payload and headers in bytes; negative while unknown (rows without {@code
 *     msg_bytes})
 */
record Candidate(long id, int lane, long bytes) {
  /** Unknown sizes are measured this many at a first go, doubling with each further go. */
  static final int FIRST_MEASURE = 16;

  /**
   * The oldest candidates whose sizes add up to at most {@code maxBytes}: the ids of the longest
   * prefix in id order within the budget, and at least the first, however large (a row larger than
   * the budget is published alone rather than never). A prefix in id order keeps each lane's share
   * a prefix of its own oldest rows. Unknown sizes are measured only as far as the prefix goes, in
   * growing slices, so that large rows of unknown size are not all read to claim a few.
   *
   * @param candidates in any order
   * @param maxBytes at least 1
   * @param measure the sizes of the given ids (a missing id counts as 0)
   * @return ids ascending, empty only when {@code candidates} is
   */
  static List<Long> withinBudget(
      List<Candidate> candidates, long maxBytes, Function<List<Long>, Map<Long, Long>> measure) {
    List<Candidate> byId = new ArrayList<>(candidates);
    byId.sort(Comparator.comparingLong(Candidate::id));
    Map<Long, Long> measured = new HashMap<>();
    int slice = FIRST_MEASURE;
    List<Long> ids = new ArrayList<>();
    long total = 0;
    for (int i = 0; i < byId.size(); i++) {
      Candidate candidate = byId.get(i);
      long bytes = candidate.bytes();
      if (bytes < 0) {
        if (!measured.containsKey(candidate.id())) {
          List<Long> unknown =
              byId.subList(i, byId.size()).stream()
                  .filter(c -> c.bytes() < 0)
                  .limit(slice)
                  .map(Candidate::id)
                  .toList();
          unknown.forEach(id -> measured.put(id, 0L));
          measured.putAll(measure.apply(unknown));
          slice *= 2;
        }
        bytes = measured.getOrDefault(candidate.id(), 0L);
      }
      if (!ids.isEmpty() && total + bytes > maxBytes) {
        break;
      }
      total += bytes;
      ids.add(candidate.id());
    }
    return ids;
  }
}
