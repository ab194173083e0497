// MARK: - Five to eight sequences

extension AsyncIteratorCombiner {
    /// Combines five sequences, of any types and failure types, in argument order.
    public convenience init<
        First: AsyncSequence & Sendable, Second: AsyncSequence & Sendable, Third: AsyncSequence & Sendable,
        Fourth: AsyncSequence & Sendable, Fifth: AsyncSequence & Sendable
    >(
        _ first: First, _ second: Second, _ third: Third, _ fourth: Fourth, _ fifth: Fifth
    )
    where
        First.Element == Element,
        Second.Element == Element,
        Third.Element == Element,
        Fourth.Element == Element,
        Fifth.Element == Element
    {
        self.init(sources: [
            CombinerSource(first),
            CombinerSource(second),
            CombinerSource(third),
            CombinerSource(fourth),
            CombinerSource(fifth),
        ])
    }

    /// Combines six sequences, of any types and failure types, in argument order.
    public convenience init<
        First: AsyncSequence & Sendable, Second: AsyncSequence & Sendable, Third: AsyncSequence & Sendable,
        Fourth: AsyncSequence & Sendable, Fifth: AsyncSequence & Sendable, Sixth: AsyncSequence & Sendable
    >(
        _ first: First, _ second: Second, _ third: Third, _ fourth: Fourth, _ fifth: Fifth, _ sixth: Sixth
    )
    where
        First.Element == Element,
        Second.Element == Element,
        Third.Element == Element,
        Fourth.Element == Element,
        Fifth.Element == Element,
        Sixth.Element == Element
    {
        self.init(sources: [
            CombinerSource(first),
            CombinerSource(second),
            CombinerSource(third),
            CombinerSource(fourth),
            CombinerSource(fifth),
            CombinerSource(sixth),
        ])
    }

    /// Combines seven sequences, of any types and failure types, in argument order.
    public convenience init<
        First: AsyncSequence & Sendable, Second: AsyncSequence & Sendable, Third: AsyncSequence & Sendable,
        Fourth: AsyncSequence & Sendable, Fifth: AsyncSequence & Sendable, Sixth: AsyncSequence & Sendable,
        Seventh: AsyncSequence & Sendable
    >(
        _ first: First, _ second: Second, _ third: Third, _ fourth: Fourth, _ fifth: Fifth, _ sixth: Sixth,
        _ seventh: Seventh
    )
    where
        First.Element == Element,
        Second.Element == Element,
        Third.Element == Element,
        Fourth.Element == Element,
        Fifth.Element == Element,
        Sixth.Element == Element,
        Seventh.Element == Element
    {
        self.init(sources: [
            CombinerSource(first),
            CombinerSource(second),
            CombinerSource(third),
            CombinerSource(fourth),
            CombinerSource(fifth),
            CombinerSource(sixth),
            CombinerSource(seventh),
        ])
    }

    /// Combines eight sequences, of any types and failure types, in argument order.
    public convenience init<
        First: AsyncSequence & Sendable, Second: AsyncSequence & Sendable, Third: AsyncSequence & Sendable,
        Fourth: AsyncSequence & Sendable, Fifth: AsyncSequence & Sendable, Sixth: AsyncSequence & Sendable,
        Seventh: AsyncSequence & Sendable, Eighth: AsyncSequence & Sendable
    >(
        _ first: First, _ second: Second, _ third: Third, _ fourth: Fourth, _ fifth: Fifth, _ sixth: Sixth,
        _ seventh: Seventh, _ eighth: Eighth
    )
    where
        First.Element == Element,
        Second.Element == Element,
        Third.Element == Element,
        Fourth.Element == Element,
        Fifth.Element == Element,
        Sixth.Element == Element,
        Seventh.Element == Element,
        Eighth.Element == Element
    {
        self.init(sources: [
            CombinerSource(first),
            CombinerSource(second),
            CombinerSource(third),
            CombinerSource(fourth),
            CombinerSource(fifth),
            CombinerSource(sixth),
            CombinerSource(seventh),
            CombinerSource(eighth),
        ])
    }
}
