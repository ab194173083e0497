// MARK: - The realised critical path of a build

extension CriticalPath {
    /// The realised critical path of a finished build, and the (at most three) steps whose speed-up would
    /// shorten it most.
    static func realised(
        _ plan: BuildPlan, state: BuildCoordinatorState
    ) -> (path: [CriticalPathStep], speedups: [CriticalPathStep]) {
        var spansByLocal = [CriticalPath.Span?](repeating: nil, count: plan.count)
        for local in 0..<plan.count { spansByLocal[local] = state.span(of: plan.instance(local).id) }
        let path = CriticalPath.realised(spans: spansByLocal) { plan.dependencies[$0] }
        let steps = path.map { local in
            let span = spansByLocal[local]!
            return CriticalPathStep(id: plan.instance(local).id, duration: span.end - span.start)
        }
        let speedups = CriticalPath.speedups(spans: spansByLocal, path: path) { plan.dependencies[$0] }.map {
            CriticalPathStep(id: plan.instance($0.index).id, duration: $0.saving)
        }
        return (steps, speedups)
    }
}
