// MARK: - Outputs reached through a symbolic link out of the project

/// The directories of outputs and depfiles already resolved during one graph construction, so that 10,000
/// outputs in one directory cost one walk of it, not 10,000.
final class OutputDirectoryCheck {
    let fileSystem: any FileSystem
    let project: String
    private var escapes: [String: (link: String, destination: String)?] = [:]

    init(fileSystem: any FileSystem, project: String) {
        self.fileSystem = fileSystem
        self.project = project
    }

    /// The link (project-relative, or absolute when outside) through which `directory` (absolute) leads out of
    /// the project, and where it points; `nil` when it stays inside.
    ///
    /// Only a link that leads out counts: a directory that cannot be examined (`EACCES`) is left to the write,
    /// which resolves it again and fails on its own.
    func escape(ofDirectory directory: String) -> (link: String, destination: String)? {
        if let known = escapes[directory] { return known }
        var found: (link: String, destination: String)?
        do {
            _ = try fileSystem.containedDirectory(directory, beneath: project)
        } catch .leavesDirectory(_, _, let link, let destination) {
            found = (ProjectPath.relative(link, toAncestor: project) ?? link, destination)
        } catch {
            found = nil
        }
        escapes[directory] = found
        return found
    }
}

extension GraphConstruction {
    /// Refuses an output whose directory resolves outside the project through a symbolic link (`ln -s /etc
    /// out` in a cloned repository): stask would create its directory, remove it before a run, restore it
    /// from a remote cache and delete it on `clean`, all outside. A link that is itself the output is fine:
    /// stask replaces or removes the link, never what it points to. The state directory `.stask` is checked
    /// the same way, the link included.
    ///
    /// - Throws: `TaskfileError.outsideProjectThroughLink`.
    func checkOutputLinks() throws(TaskfileError) {
        let state = ProjectPath.join(project, ".stask")
        if let escape = outputDirectories.escape(ofDirectory: state) {
            throw .outsideProjectThroughLink(
                SourceLocation(file: taskfile.displayPath, line: 1, column: 1), instance: "stask",
                key: "state directory", path: ".stask", link: escape.link, destination: escape.destination)
        }
        for instance in planned.lazy.flatMap({ $0 }) {
            for (path, location) in zip(instance.outputs, instance.outputLocations) {
                let directory = ProjectPath.parent(ofAbsolute: ProjectPath.join(project, path))
                if let escape = outputDirectories.escape(ofDirectory: directory) {
                    throw .outsideProjectThroughLink(
                        location, instance: instance.id, key: "output", path: path, link: escape.link,
                        destination: escape.destination)
                }
            }
        }
    }
}
