import StaskPosix
import Testing

@Suite struct MakeFlagsTests {
    @Test func readsTheJobserverAndJobsAsMakeWritesThem() {
        #expect(MakeFlags(" -j3 --jobserver-auth=3,4").jobserver == .pipe(read: 3, write: 4))
        #expect(MakeFlags(" -j3 --jobserver-auth=3,4").jobs == 3)
        #expect(MakeFlags("k -j8 --jobserver-fds=5,6").jobserver == .pipe(read: 5, write: 6))
        #expect(MakeFlags(" -j2 --jobserver-auth=fifo:/tmp/GMfifo1").jobserver == .fifo(path: "/tmp/GMfifo1"))
        #expect(MakeFlags("--jobserver-auth=3,4 --jobserver-auth=fifo:/x").jobserver == .fifo(path: "/x"))
        #expect(MakeFlags("-k").jobserver == nil && MakeFlags("-k").jobs == nil)
        #expect(MakeFlags("--jobserver-auth=three,4").jobserver == nil)
        #expect(MakeFlags("--jobserver-auth=fifo:").jobserver == nil)
    }

    @Test func commandsSeeTheFlagsWithoutJobs() {
        #expect(MakeFlags.withoutJobOptions(" -j3 --jobserver-auth=3,4") == nil)
        #expect(
            MakeFlags.withoutJobOptions("k -j3 --jobserver-auth=3,4 --no-print-directory") == "k --no-print-directory")
    }
}
