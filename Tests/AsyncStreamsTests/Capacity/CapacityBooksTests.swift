import Testing

@testable import AsyncStreams

/// The resource books alone: limits, availability and the parent chain, fed operations synchronously.
@Suite struct CapacityBooksTests {
    /// A root `{gpu: 16}` with a child `{gpu: 8, cpu: 4}`.
    func twoLevels() -> (books: CapacityBooks, root: Int, child: Int) {
        var books = CapacityBooks()
        let root = books.addNode(limits: ["gpu": 16], parent: nil, restoresOnRelease: true)
        let child = books.addNode(limits: ["gpu": 8, "cpu": 4], parent: root, restoresOnRelease: true)
        return (books, root, child)
    }

    // MARK: - Structure

    @Test func emptyBooksHaveNoNodes() {
        let books = CapacityBooks()
        #expect(books.nodeCount == 0)
        #expect(books.parents.isEmpty)
    }

    @Test func nodesAreNumberedInOrderWithTheirParents() {
        let (books, root, child) = twoLevels()
        #expect(root == 0)
        #expect(child == 1)
        #expect(books.nodeCount == 2)
        #expect(books.parents == [-1, 0])
    }

    @Test func aNewNodeStartsFullyAvailable() {
        let (books, root, child) = twoLevels()
        #expect(books.limits(at: root) == ["gpu": 16])
        #expect(books.available(at: root) == ["gpu": 16])
        #expect(books.available(at: child) == ["gpu": 8, "cpu": 4])
    }

    @Test func aResourceAddedLaterKeepsEveryEarlierColumn() {
        var (books, root, child) = twoLevels()
        #expect(books.tryTake(["gpu": 3], at: child) == true)
        let grandchild = books.addNode(limits: ["io": 2], parent: child, restoresOnRelease: true)
        #expect(books.available(at: root) == ["gpu": 13])
        #expect(books.available(at: child) == ["gpu": 5, "cpu": 4])
        #expect(books.available(at: grandchild) == ["io": 2])
        #expect(books.books(at: grandchild).map(\.name) == ["io"])
    }

    @Test func anEmptyLimitMapTracksNothing() {
        var books = CapacityBooks()
        let node = books.addNode(limits: [:], parent: nil, restoresOnRelease: true)
        #expect(books.limits(at: node).isEmpty)
        #expect(books.tryTake(["gpu": 1_000], at: node) == true)
        #expect(books.peek(at: node) == ResourceCost([:]))
    }

    // MARK: - Acquiring

    @Test func takingSubtractsAtEveryLevelOfTheChain() {
        var (books, root, child) = twoLevels()
        #expect(books.tryTake(["gpu": 6, "cpu": 1], at: child) == true)
        #expect(books.available(at: child) == ["gpu": 2, "cpu": 3])
        #expect(books.available(at: root) == ["gpu": 10])
    }

    @Test func aCostThatDoesNotFitOneLevelTakesNothingAnywhere() {
        var (books, root, child) = twoLevels()
        #expect(books.tryTake(["gpu": 14], at: root) == true)
        // The child has 8 gpu of its own but the root only 2 left: neither key is taken.
        #expect(!books.fits(["gpu": 4, "cpu": 1], at: child))
        #expect(books.tryTake(["gpu": 4, "cpu": 1], at: child) == false)
        #expect(books.available(at: child) == ["gpu": 8, "cpu": 4])
        #expect(books.available(at: root) == ["gpu": 2])
    }

    @Test func capacityExactlyEqualToTheTotalFits() {
        var (books, root, child) = twoLevels()
        #expect(books.fits(["gpu": 8, "cpu": 4], at: child))
        #expect(books.tryTake(["gpu": 8, "cpu": 4], at: child) == true)
        #expect(books.available(at: child) == ["gpu": 0, "cpu": 0])
        #expect(books.available(at: root) == ["gpu": 8])
        #expect(books.tryTake(["cpu": 0.5], at: child) == false)
    }

    @Test func untrackedAndZeroAmountsAlwaysFit() {
        var (books, _, child) = twoLevels()
        #expect(books.tryTake(["memory": 1e9], at: child) == true)
        #expect(books.tryTake(["gpu": 0, "cpu": 0], at: child) == true)
        #expect(books.tryTake(.zero, at: child) == true)
        #expect(books.available(at: child) == ["gpu": 8, "cpu": 4])
    }

    @Test func aKeyTrackedOnlyByTheParentIsLimitedThere() {
        var books = CapacityBooks()
        let root = books.addNode(limits: ["gpu": 2], parent: nil, restoresOnRelease: true)
        let child = books.addNode(limits: ["cpu": 4], parent: root, restoresOnRelease: true)
        #expect(books.tryTake(["gpu": 2], at: child) == true)
        #expect(books.tryTake(["gpu": 1], at: child) == false)
        #expect(books.available(at: child) == ["cpu": 4])
    }

    // MARK: - Returning capacity

    @Test func releaseRestoresEveryLevelAndReportsTheHighestThatGrew() {
        var (books, root, child) = twoLevels()
        #expect(books.tryTake(["gpu": 4, "cpu": 2], at: child) == true)
        #expect(books.release(["gpu": 4, "cpu": 2], at: child) == root)
        #expect(books.available(at: child) == ["gpu": 8, "cpu": 4])
        #expect(books.available(at: root) == ["gpu": 16])
    }

    @Test func releaseOfAKeyOnlyTheChildTracksReportsTheChild() {
        var (books, _, child) = twoLevels()
        #expect(books.tryTake(["cpu": 2], at: child) == true)
        #expect(books.release(["cpu": 2], at: child) == child)
    }

    @Test func overReleaseIsClampedAtTheLimitAndReportsNothingWhenFull() {
        var (books, root, child) = twoLevels()
        #expect(books.release(["gpu": 5], at: child) == -1)
        #expect(books.available(at: child) == ["gpu": 8, "cpu": 4])
        #expect(books.available(at: root) == ["gpu": 16])
    }

    @Test func negativeAndUnknownAmountsAreIgnoredByRelease() {
        var (books, _, child) = twoLevels()
        #expect(books.tryTake(["gpu": 2], at: child) == true)
        #expect(books.release(["gpu": -2, "memory": 3], at: child) == -1)
        #expect(books.available(at: child) == ["gpu": 6, "cpu": 4])
    }

    @Test func aQuotaLevelKeepsItsAvailabilityButPassesTheReleaseOn() {
        var books = CapacityBooks()
        let global = books.addNode(limits: ["requests": 10], parent: nil, restoresOnRelease: true)
        let quota = books.addNode(limits: ["requests": 100], parent: global, restoresOnRelease: false)
        #expect(books.tryTake(["requests": 3], at: quota) == true)
        #expect(books.release(["requests": 3], at: quota) == global)
        #expect(books.available(at: quota) == ["requests": 97])
        #expect(books.available(at: global) == ["requests": 10])
    }

    @Test func reconcileReturnsASurplusAndTakesADeficitAtEveryLevelQuotasIncluded() {
        var books = CapacityBooks()
        let root = books.addNode(limits: ["tokens": 100], parent: nil, restoresOnRelease: true)
        let quota = books.addNode(limits: ["tokens": 50], parent: root, restoresOnRelease: false)
        #expect(books.tryTake(["tokens": 20], at: quota) == true)
        #expect(books.reconcile(estimated: ["tokens": 20], actual: ["tokens": 5], at: quota) == root)
        #expect(books.available(at: quota) == ["tokens": 45])
        #expect(books.available(at: root) == ["tokens": 95])
        #expect(books.reconcile(estimated: ["tokens": 0], actual: ["tokens": 60], at: quota) == -1)
        #expect(books.available(at: quota) == ["tokens": 0])
        #expect(books.available(at: root) == ["tokens": 35])
    }

    @Test func reconcileWithEqualAmountsChangesNothing() {
        var (books, root, child) = twoLevels()
        #expect(books.tryTake(["gpu": 3], at: child) == true)
        #expect(books.reconcile(estimated: ["gpu": 3], actual: ["gpu": 3], at: child) == -1)
        #expect(books.available(at: root) == ["gpu": 13])
    }

    // MARK: - Local changes

    @Test func raisingALimitAddsTheDifferenceAndLoweringItSubtractsClampedAtZero() {
        var (books, _, child) = twoLevels()
        #expect(books.tryTake(["gpu": 6], at: child) == true)
        books.setLimits(["gpu": 10], at: child)
        #expect(books.available(at: child)["gpu"] == 4)
        books.setLimits(["gpu": 3], at: child)
        #expect(books.available(at: child)["gpu"] == 0)
        #expect(books.limits(at: child) == ["gpu": 3, "cpu": 4])
        // The shrink does not track what is in flight: a release refills up to the new limit.
        _ = books.release(["gpu": 6], at: child)
        #expect(books.available(at: child)["gpu"] == 3)
    }

    @Test func setLimitsTouchesOnlyTheGivenKeysOfOneNode() {
        var (books, root, child) = twoLevels()
        books.setLimits(["io": 2], at: child)
        #expect(books.limits(at: child) == ["gpu": 8, "cpu": 4, "io": 2])
        #expect(books.available(at: child)["io"] == 2)
        #expect(books.limits(at: root) == ["gpu": 16])
    }

    @Test func refillRestoresEveryResourceOfOneNodeOnly() {
        var (books, root, child) = twoLevels()
        #expect(books.tryTake(["gpu": 8, "cpu": 4], at: child) == true)
        books.refill(at: child)
        #expect(books.available(at: child) == ["gpu": 8, "cpu": 4])
        #expect(books.available(at: root) == ["gpu": 8])
    }

    @Test func incrementAddsUpToTheCapAndNeverLowers() {
        var books = CapacityBooks()
        let node = books.addNode(limits: ["tokens": 10], parent: nil, restoresOnRelease: false)
        #expect(books.tryTake(["tokens": 10], at: node) == true)
        books.increment(["tokens": 4], cap: nil, at: node)
        #expect(books.available(at: node) == ["tokens": 4])
        books.increment(["tokens": 4], cap: ["tokens": 6], at: node)
        #expect(books.available(at: node) == ["tokens": 6])
        books.increment(["tokens": 4], cap: ["tokens": 2], at: node)
        #expect(books.available(at: node) == ["tokens": 6])
        books.increment(["tokens": 100, "other": 1], cap: nil, at: node)
        #expect(books.available(at: node) == ["tokens": 10])
    }

    // MARK: - Queries

    @Test func withinLimitsComparesWithTotalsNotAvailability() {
        var (books, _, child) = twoLevels()
        #expect(books.tryTake(["gpu": 8], at: child) == true)
        #expect(books.withinLimits(["gpu": 8, "cpu": 4], at: child))
        #expect(!books.withinLimits(["gpu": 9], at: child))
        #expect(books.withinLimits(["memory": 1e12], at: child))
    }

    @Test func peekLowersEachKeyToTheChainMinimumAndIsNilWhenOneIsExhausted() {
        var (books, root, child) = twoLevels()
        #expect(books.tryTake(["gpu": 10], at: root) == true)
        #expect(books.peek(at: child) == ["gpu": 6, "cpu": 4])
        #expect(books.tryTake(["cpu": 4], at: child) == true)
        #expect(books.peek(at: child) == nil)
    }

    @Test func aZeroLimitAlwaysPeeksNil() {
        var books = CapacityBooks()
        let node = books.addNode(limits: ["gpu": 0], parent: nil, restoresOnRelease: true)
        #expect(books.peek(at: node) == nil)
        #expect(books.tryTake(["gpu": 0], at: node) == true)
        #expect(books.tryTake(["gpu": 1], at: node) == false)
    }

    @Test func booksListNameLimitAndAvailabilityPerTrackedResource() {
        var (books, _, child) = twoLevels()
        #expect(books.tryTake(["cpu": 1], at: child) == true)
        let entries = books.books(at: child).sorted { $0.name < $1.name }
        #expect(entries.map(\.name) == ["cpu", "gpu"])
        #expect(entries.map(\.limit) == [4, 8])
        #expect(entries.map(\.available) == [3, 8])
    }
}
