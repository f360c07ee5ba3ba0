package dev.haven.testkit.dynamodb;

/**
 * Run in a separate JVM by {@link DynamoDbHygieneIT}: starts one region, reports its pids on stdout, then either exits
 * without closing ("exit": the shutdown hook must clean up) or waits to be killed ("wait").
 */
public final class DynamoDbHygieneChild {

    private DynamoDbHygieneChild() {
    }

    public static void main(String[] args) throws InterruptedException {
        DynamoDbRegions regions = DynamoDbRegions.start("us-east-1");
        StringBuilder pids = new StringBuilder();
        for (long pid : regions.pids()) {
            pids.append(pids.length() == 0 ? "" : ",").append(pid);
        }
        System.out.println("PIDS " + pids);
        System.out.println("READY");
        System.out.flush();
        if ("exit".equals(args[0])) {
            System.exit(0);
        }
        Thread.sleep(120_000); // killed by the test long before
        System.exit(3);
    }
}
