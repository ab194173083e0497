#!/bin/sh
# junit-runner.sh REPORT TEST...: does not run the tests; writes a JUnit report claiming each takes ten
# times its `sleep`, so the durations stask learns can only have come from the report.
report=$1
shift
{
    echo '<?xml version="1.0" encoding="UTF-8"?>'
    echo '<testsuites>'
    echo '  <testsuite name="fixture" tests="'$#'">'
    for test in "$@"; do
        seconds=$(sed -n 's/^sleep //p' "$test")
        time=$(echo "$seconds * 10" | bc)
        echo "    <testcase classname=\"${test%.sh}\" name=\"all\" time=\"$time\"/>"
        echo "junit $test shard=$STASK_SHARD_INDEX" >> log.txt
    done
    echo '  </testsuite>'
    echo '</testsuites>'
} > "$report"
