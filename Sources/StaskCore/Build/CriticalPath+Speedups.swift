// MARK: - Where speeding up pays

extension CriticalPath {
    /// The total duration of the longest chain (see ``realised(spans:dependencies:)``).
    ///
    /// - Complexity: O(*n* log *n* + *e*).
    static func longestChain(spans: [Int: Span], dependencies: (Int) -> [Int]) -> Duration {
        var longest: [Int: Duration] = [:]
        var best = Duration.zero
        for index in spans.keys.sorted() {
            let own = spans[index]!.end - spans[index]!.start
            var total = own
            for dependency in dependencies(index) {
                if let before = longest[dependency], before + own > total { total = before + own }
            }
            longest[index] = total
            best = max(best, total)
        }
        return best
    }

    /// The steps of `path` whose speed-up would shorten the longest chain most, with by how much: for each
    /// step, the chain's total minus the total with that step taking no time (other chains may then
    /// become the longest, which caps the saving). Largest saving first, at most `limit`; steps that save
    /// nothing are left out; ties keep path order.
    ///
    /// A step saves at most its own duration, so steps are tried longest first and the search stops once
    /// no remaining step can beat the `limit`-th saving found.
    ///
    /// - Complexity: O(*k* (*n* log *n* + *e*)) for the *k* steps tried, *k* ≤ `path.count`.
    static func speedups(
        spans: [Int: Span], path: [Int], limit: Int = 3, dependencies: (Int) -> [Int]
    ) -> [(index: Int, saving: Duration)] {
        let total = longestChain(spans: spans, dependencies: dependencies)
        let candidates = path.enumerated().sorted { first, second in
            let firstDuration = spans[first.element]!.end - spans[first.element]!.start
            let secondDuration = spans[second.element]!.end - spans[second.element]!.start
            return firstDuration != secondDuration ? firstDuration > secondDuration : first.offset < second.offset
        }
        var found: [(position: Int, index: Int, saving: Duration)] = []
        for (position, index) in candidates {
            let own = spans[index]!.end - spans[index]!.start
            if found.count >= limit, own <= found[limit - 1].saving { break }
            var shortened = spans
            shortened[index] = Span(start: spans[index]!.start, end: spans[index]!.start)
            let saving = total - longestChain(spans: shortened, dependencies: dependencies)
            guard saving > .zero else { continue }
            found.append((position, index, saving))
            found.sort { $0.saving != $1.saving ? $0.saving > $1.saving : $0.position < $1.position }
        }
        return found.prefix(limit).map { ($0.index, $0.saving) }
    }
}
