/// One ``ResourceCapacitySource/changes()`` subscription: at most one pending wake-up, or a parked waiter.
struct Subscriber {
    typealias Waiter = UnsafeContinuation<Bool, Never>

    /// One wake-up to deliver after the tree lock is released.
    enum Wake {
        case waiter(Waiter)
        case listener(@Sendable () -> Void)

        func fire() {
            switch self {
            case .waiter(let waiter): waiter.resume(returning: true)
            case .listener(let listener): listener()
            }
        }
    }

    var id: UInt64
    var listener: (@Sendable () -> Void)?
    var isPending = false
    var waiter: Waiter?
}

/// The wake-ups collected under the tree lock. The first is stored inline, so waking one subscriber
/// (a runner's listener, on every release) allocates nothing.
struct WakeList {
    private var first: Subscriber.Wake?
    private var rest: [Subscriber.Wake] = []

    /// The number of wake-ups collected.
    var count: Int { (first == nil ? 0 : 1) + rest.count }

    mutating func append(_ wake: Subscriber.Wake) {
        if first == nil { first = wake } else { rest.append(wake) }
    }

    /// Delivers every wake-up; call after unlocking.
    func fire() {
        first?.fire()
        for wake in rest { wake.fire() }
    }
}
