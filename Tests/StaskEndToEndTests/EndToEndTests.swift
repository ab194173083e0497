import Testing

/// Runs the built `stask` binary against the scenarios in `Fixtures/`.
///
/// The suites nested in this one (one file each) run one test at a time: several of them measure
/// concurrency and makespan from timestamps, which parallel tests would distort.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct EndToEndTests {}
