/// A named, multi-dimensional amount of resources: a map from resource name to a non-negative amount.
///
/// The same type is a task's demand, a capacity limit and an availability snapshot. Keys are open-ended
/// (`cpu`, `io`, `gpu`, `memory_gb`, `capacity`, …). A key that a cost omits puts no demand on that
/// resource. Amounts are `Double` so fractional budgets (token estimates, utilisation) are representable.
///
/// ```swift
/// let cost: ResourceCost = ["cpu": 2, "io": 1]
/// cost["cpu"]   // 2
/// cost["gpu"]   // 0: absent keys read as zero
/// ```
public struct ResourceCost: Sendable, Hashable, ExpressibleByDictionaryLiteral, CustomStringConvertible {
    /// The amounts by resource name. Absent keys mean "no demand" (or "not tracked", for a limit).
    public var amounts: [String: Double]

    /// The cost of a task that names none: exactly one unit of the resource `capacity`.
    public static let defaultTaskCost: ResourceCost = ["capacity": 1]

    /// The empty cost: demands nothing and is always acquirable.
    public static let zero = ResourceCost([:])

    /// Creates a cost from a dictionary of amounts.
    public init(_ amounts: [String: Double]) {
        self.amounts = amounts
    }

    /// Creates a cost from a dictionary literal, such as `["cpu": 1, "io": 1]`.
    public init(dictionaryLiteral elements: (String, Double)...) {
        var amounts: [String: Double] = [:]
        for (name, amount) in elements { amounts[name] = amount }
        self.amounts = amounts
    }

    /// The amount of `name`, or 0 when the key is absent.
    public subscript(name: String) -> Double {
        get { amounts[name] ?? 0 }
        set { amounts[name] = newValue }
    }

    /// The resource names present in this cost, sorted for deterministic output.
    public var names: [String] { amounts.keys.sorted() }

    /// Whether any amount is negative. A cost with a negative amount is never acquirable.
    public var hasNegativeAmount: Bool { amounts.values.contains { $0 < 0 } }

    /// Whether every amount is zero (or the cost is empty). Such a cost is always acquirable.
    public var isZero: Bool { amounts.values.allSatisfy { $0 == 0 } }

    /// Whether every key of `self` fits in `available`, considering only keys `available` tracks.
    ///
    /// A key of `self` that `available` does not track is ignored: an untracked resource is unlimited.
    /// - Complexity: O(*k*), where *k* is the number of keys in `self`.
    public func fits(in available: ResourceCost) -> Bool {
        if hasNegativeAmount { return false }
        for (name, amount) in amounts where amount > 0 {
            if let have = available.amounts[name], have < amount { return false }
        }
        return true
    }

    /// A compact rendering such as `{cpu: 2, io: 1}`, keys sorted.
    public var description: String {
        let parts = names.map { name -> String in
            let value = amounts[name]!
            let text = value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
            return "\(name): \(text)"
        }
        return "{" + parts.joined(separator: ", ") + "}"
    }
}
