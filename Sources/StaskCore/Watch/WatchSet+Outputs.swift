// MARK: - What the builds write

extension WatchSet {
    /// What a build writes itself, so that a change to it never bears on the next build: its declared outputs,
    /// the directories holding them and their ancestors inside the project (the build creates them), and
    /// everything in `.stask/`.
    ///
    /// Part of every ``WatchSet``, and on its own the filter of a session's changes until its first build has
    /// ended (see ``BuildSession``): it costs the graph's own output table and one entry per output directory.
    struct Outputs: Sendable {
        let graph: BuildGraph
        /// Resolved directories that hold declared outputs, and their ancestors inside the project.
        private var directories: Set<String> = []

        /// The outputs of `graph`.
        init(graph: BuildGraph) {
            self.graph = graph
            for instance in graph.instances {
                for output in instance.outputs {
                    var directory = ProjectPath.directory(of: output)
                    while directory != "." && directory != "/" && directories.insert(directory).inserted {
                        directory = ProjectPath.directory(of: directory)
                    }
                }
            }
        }

        /// Whether a build writes the resolved `path` itself.
        func contains(_ path: String) -> Bool {
            if ProjectPath.isInside(path) && ProjectPath.isInStateDirectory(path) { return true }
            return graph.producer(of: path) != nil || directories.contains(path)
        }

        /// Whether `change` is to something a build writes itself (never a lost-events change).
        func isWritten(_ change: FileChange) -> Bool {
            change.kind != .overflow && contains(ProjectPath.resolve(change.path, project: graph.projectDirectory))
        }
    }
}
