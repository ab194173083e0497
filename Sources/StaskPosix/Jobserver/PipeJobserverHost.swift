import Glibc
package import StaskCore
import Synchronization

/// Serves GNU make jobservers to the tasks marked `jobserver:`, each its own pipe (or named pipe) whose
/// tokens are stask's free cpu units.
///
/// Each open jobserver has a thread that keeps its pipe in step with the build (``CPULender``): while no
/// step of the build waits to start, it lends every free unit by writing a token for each (a pipe cannot
/// tell when a token is taken from it, so they are put there ahead); as soon as a step waits, it reads back
/// the tokens sitting in the pipe and returns their units, then waits for the commands to give back the
/// ones they hold. A task's commands run under the unit the task itself
/// holds (the implicit token of a make) plus what is lent, so the machine never runs more than the budget.
/// When the task ends, every token lent comes back: those in the pipe are read, those a command took and
/// never returned (it crashed, or was killed) are counted back all the same.
package struct PipeJobserverHost: JobserverHost {
    package init() {}

    /// The commands are shown `-jN` with N the build's `cpu` budget; make runs as many jobs as it gets
    /// tokens whatever N says.
    package func open(_ style: JobserverStyle, directory: String, lender: CPULender) throws -> any JobserverLease {
        try PipeJobserverLease(style: style, directory: directory, lender: lender, jobs: lender.cpuLimit)
    }
}
