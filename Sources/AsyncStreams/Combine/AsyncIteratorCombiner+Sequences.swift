/// The sequence returned by ``AsyncIteratorCombiner/raceGenerator()``: values in arrival order.
///
/// Holds the combiner alive while it is iterated. Iterators share the combiner's sources.
public struct RaceSequence<Element: Sendable>: AsyncSequence, Sendable {
    let combiner: AsyncIteratorCombiner<Element>

    /// Creates an iterator.
    public func makeAsyncIterator() -> Iterator { Iterator(combiner: combiner) }

    /// Pulls the earliest available value from any source.
    public struct Iterator: AsyncIteratorProtocol {
        let combiner: AsyncIteratorCombiner<Element>
        private var isExhausted = false

        init(combiner: AsyncIteratorCombiner<Element>) { self.combiner = combiner }

        /// The next value, `nil` when every source is exhausted or the consumer was cancelled.
        ///
        /// - Throws: the first error of any source; afterwards the iterator returns `nil`.
        public mutating func next() async throws -> Element? {
            if isExhausted { return nil }
            let result = await combiner.storage.consume { machine, effects in machine.pollRace(effects: &effects) }
            do {
                guard let value = try result?.get() else {
                    isExhausted = true
                    return nil
                }
                return value
            } catch {
                isExhausted = true
                throw error
            }
        }
    }
}

/// The sequence returned by ``AsyncIteratorCombiner/roundRobin()``: one value per live source in turn.
public struct RoundRobinSequence<Element: Sendable>: AsyncSequence, Sendable {
    let combiner: AsyncIteratorCombiner<Element>

    /// Creates an iterator; each iterator keeps its own rotation position, starting at the first source.
    public func makeAsyncIterator() -> Iterator { Iterator(combiner: combiner) }

    /// Pulls from the source whose turn it is.
    public struct Iterator: AsyncIteratorProtocol {
        let combiner: AsyncIteratorCombiner<Element>
        private var cursor = 0
        private var isExhausted = false

        init(combiner: AsyncIteratorCombiner<Element>) { self.combiner = combiner }

        /// The next value in rotation, `nil` when every source is exhausted or the consumer was cancelled.
        ///
        /// - Throws: the first error met; afterwards the iterator returns `nil`.
        public mutating func next() async throws -> Element? {
            if isExhausted { return nil }
            var position = cursor
            let result = await combiner.storage.consume { machine, effects in
                machine.pollRoundRobin(cursor: &position, effects: &effects)
            }
            cursor = position
            do {
                guard let value = try result?.get() else {
                    isExhausted = true
                    return nil
                }
                return value
            } catch {
                isExhausted = true
                throw error
            }
        }
    }
}
