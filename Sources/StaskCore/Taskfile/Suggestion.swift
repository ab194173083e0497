/// "Did you mean …?" hints: the closest candidate by edit distance.
enum Suggestion {
    /// The candidate closest to `word`, if one is close enough to be a plausible typo.
    ///
    /// Close enough: an edit distance of at most a third of the word's length (at least 1, at most 3),
    /// or a difference of letter case only. Ties go to the earliest candidate.
    ///
    /// - Complexity: O(*n*), where *n* is the total length of `word` and the candidates: the word is
    ///   lowered once, and the distance is computed only near the diagonal (within the limit), so a
    ///   megabyte-long name compared with thousands of others stays cheap.
    static func closest(to word: String, in candidates: some Sequence<String>) -> String? {
        let target = Array(word.unicodeScalars)
        let lowered = word.lowercased()
        let limit = min(3, max(1, target.count / 3))
        var best: (candidate: String, distance: Int)?
        for candidate in candidates where candidate != word {
            if candidate.lowercased() == lowered { return candidate }
            let scalars = Array(candidate.unicodeScalars)
            if abs(scalars.count - target.count) > limit { continue }
            let bound = min(limit, (best?.distance ?? limit + 1) - 1)
            if bound < 0 { continue }
            if let distance = editDistance(target, scalars, limit: bound) {
                best = (candidate, distance)
            }
        }
        return best?.candidate
    }

    /// Levenshtein distance, or `nil` when it exceeds `limit`.
    ///
    /// Only cells within `limit` of the diagonal are computed (any path through another cell costs more
    /// than `limit`): O(`limit` × length), not O(length²).
    static func editDistance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar], limit: Int) -> Int? {
        if abs(a.count - b.count) > limit { return nil }
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        let outside = limit + 1
        var previous = (0...b.count).map { $0 <= limit ? $0 : outside }
        var current = [Int](repeating: outside, count: b.count + 1)
        for i in 1...a.count {
            let low = max(1, i - limit)
            let high = min(b.count, i + limit)
            current[0] = i <= limit ? i : outside
            if low > 1 { current[low - 1] = outside }
            var rowMinimum = current[0]
            if low <= high {
                for j in low...high {
                    let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                    current[j] = min(substitution, previous[j] + 1, current[j - 1] + 1, outside)
                    rowMinimum = min(rowMinimum, current[j])
                }
            }
            if high < b.count { current[high + 1] = outside }
            if rowMinimum > limit { return nil }
            swap(&previous, &current)
        }
        return previous[b.count] <= limit ? previous[b.count] : nil
    }
}
