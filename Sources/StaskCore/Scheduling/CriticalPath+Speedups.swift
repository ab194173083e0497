// MARK: - Where speeding up pays

extension CriticalPath {
    /// The total duration of the longest chain (see ``realised(spans:dependencies:)``), with the step at
    /// `zeroed`, if any, taking no time.
    ///
    /// - Complexity: O(*n* + *e*).
    static func longestChain(spans: [Span?], zeroed: Int? = nil, dependencies: (Int) -> [Int]) -> Duration {
        let best = longestChains(spans: spans, zeroed: zeroed, dependencies: dependencies).best
        return max(best?.total ?? .zero, .zero)
    }

    /// ``longestChain(spans:zeroed:dependencies:)`` over runs given by local index.
    static func longestChain(spans: [Int: Span], dependencies: (Int) -> [Int]) -> Duration {
        longestChain(spans: dense(spans), dependencies: dependencies)
    }

    /// The steps of `path` whose speed-up would shorten the longest chain most, with by how much: for each
    /// step, the chain's total minus the total with that step taking no time (other chains may then
    /// become the longest, which caps the saving). Largest saving first, at most `limit`; steps that save
    /// nothing are left out; ties keep path order.
    ///
    /// A step saves at most its own duration, so steps are tried longest first and the search stops once
    /// no remaining step can beat the `limit`-th saving found.
    ///
    /// - Complexity: O(*k* (*n* + *e*)) for the *k* steps tried, *k* ≤ `path.count`.
    static func speedups(
        spans: [Span?], path: [Int], limit: Int = 3, dependencies: (Int) -> [Int]
    ) -> [(index: Int, saving: Duration)] {
        let total = longestChain(spans: spans, dependencies: dependencies)
        func duration(_ index: Int) -> Duration { spans[index]!.end - spans[index]!.start }
        let candidates = path.enumerated().sorted { first, second in
            let firstDuration = duration(first.element)
            let secondDuration = duration(second.element)
            return firstDuration != secondDuration ? firstDuration > secondDuration : first.offset < second.offset
        }
        var found: [(position: Int, index: Int, saving: Duration)] = []
        for (position, index) in candidates {
            if found.count >= limit, duration(index) <= found[limit - 1].saving { break }
            let saving = total - longestChain(spans: spans, zeroed: index, dependencies: dependencies)
            guard saving > .zero else { continue }
            found.append((position, index, saving))
            found.sort { $0.saving != $1.saving ? $0.saving > $1.saving : $0.position < $1.position }
        }
        return found.prefix(limit).map { ($0.index, $0.saving) }
    }

    /// ``speedups(spans:path:limit:dependencies:)`` over runs given by local index.
    static func speedups(
        spans: [Int: Span], path: [Int], limit: Int = 3, dependencies: (Int) -> [Int]
    ) -> [(index: Int, saving: Duration)] {
        speedups(spans: dense(spans), path: path, limit: limit, dependencies: dependencies)
    }
}
