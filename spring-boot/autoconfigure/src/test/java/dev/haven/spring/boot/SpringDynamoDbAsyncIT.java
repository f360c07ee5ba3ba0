package dev.haven.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.dynamodb.HavenDynamoDbAsyncClient;
import dev.haven.dynamodb.HavenDynamoDbClient;
import dev.haven.testkit.dynamodb.DynamoDbRegions;
import dev.haven.testkit.dynamodb.HavenDynamoDb;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import software.amazon.awssdk.enhanced.dynamodb.AttributeConverterProvider;
import software.amazon.awssdk.enhanced.dynamodb.AttributeValueType;
import software.amazon.awssdk.enhanced.dynamodb.DynamoDbAsyncTable;
import software.amazon.awssdk.enhanced.dynamodb.DynamoDbEnhancedAsyncClient;
import software.amazon.awssdk.enhanced.dynamodb.Key;
import software.amazon.awssdk.enhanced.dynamodb.TableMetadata;
import software.amazon.awssdk.enhanced.dynamodb.TableSchema;
import software.amazon.awssdk.enhanced.dynamodb.document.EnhancedDocument;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.GetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/**
 * {@code haven.dynamodb.*} with {@code netty-nio-client} on the class path → a {@link HavenDynamoDbAsyncClient} as the
 * {@code DynamoDbAsyncClient} bean beside the sync one, on two DynamoDB Local regions of the testkit: routed like the
 * sync bean, usable by the Enhanced async client, closed with the context; none when the application defines its own
 * or no async HTTP client is on the class path.
 */
@HavenDynamoDb(regions = {"us-east-1", "us-west-2"}, perClass = true)
class SpringDynamoDbAsyncIT {

    static final int ITEMS = 30;
    static final String NETTY_THREADS = "aws-java-sdk-NettyEventLoop";

    private static boolean tablesCreated;

    private static CreateTableRequest table(String name) {
        return CreateTableRequest.builder().tableName(name)
                .keySchema(KeySchemaElement.builder().attributeName("pk").keyType(KeyType.HASH).build())
                .attributeDefinitions(AttributeDefinition.builder().attributeName("pk").attributeType(ScalarAttributeType.S).build())
                .billingMode(BillingMode.PAY_PER_REQUEST).build();
    }

    private static synchronized ApplicationContextRunner context(DynamoDbRegions regions) {
        if (!tablesCreated) {
            regions.createGlobalTable(table("haven-heartbeat"));
            regions.createGlobalTable(table("orders"));
            tablesCreated = true;
        }
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(HavenDynamoDbAutoConfiguration.class, HavenDynamoDbAsyncAutoConfiguration.class))
                .withBean(HavenDynamoDbClientCustomizer.class, () -> b -> b.credentialsProvider(regions.credentials()))
                .withPropertyValues("haven.dynamodb.regions=us-east-1,us-west-2", "haven.dynamodb.home-region=us-east-1",
                        "haven.dynamodb.local-region=us-west-2", "haven.dynamodb.heartbeat-table=haven-heartbeat",
                        "haven.dynamodb.cluster-name=spring-ddb-async-it",
                        // a cold JVM (Netty's first connection) on a shared 2-core machine: no region is taken for down
                        "haven.dynamodb.probe-timeout=2s", "haven.dynamodb.deadline=5s", "haven.dynamodb.attempt-timeout=2s",
                        "haven.dynamodb.region.us-east-1.endpoint=" + regions.endpoint("us-east-1"),
                        "haven.dynamodb.region.us-west-2.endpoint=" + regions.endpoint("us-west-2"));
    }

    private static Map<String, AttributeValue> key(String pk) {
        return Map.of("pk", AttributeValue.fromS(pk));
    }

    private static long nettyThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.isAlive() && t.getName().startsWith(NETTY_THREADS)).count();
    }

    @Test
    void theAsyncBeanWritesToTheHomeRegionReadsByConsistencyAndClosesWithTheContext(DynamoDbRegions regions) throws Exception {
        AtomicReference<Long> threadsOpen = new AtomicReference<>();
        context(regions).run(context -> {
            assertThat(context).hasNotFailed();
            DynamoDbAsyncClient ddb = context.getBean(DynamoDbAsyncClient.class);
            assertThat(ddb).isInstanceOf(HavenDynamoDbAsyncClient.class);
            assertThat(context.getBean(DynamoDbClient.class)).isInstanceOf(HavenDynamoDbClient.class);
            // one engine: the async bean sees the sync bean's topology (its heartbeat monitor), no second monitor
            assertThat(((HavenDynamoDbClient) context.getBean(DynamoDbClient.class)).topology().endpoints()).hasSize(2);

            regions.pauseReplication();
            int onHome = 0;
            int strongFound = 0;
            int eventualStale = 0;
            long qtySum = 0;
            try {
                for (int i = 0; i < ITEMS; i++) {
                    int n = i;
                    ddb.putItem(b -> b.tableName("orders").item(Map.of("pk", AttributeValue.fromS("a-" + n),
                            "qty", AttributeValue.fromN(Integer.toString(n))))).get(10, TimeUnit.SECONDS);
                }
                DynamoDbClient home = regions.client("us-east-1");
                for (int i = 0; i < ITEMS; i++) {
                    String pk = "a-" + i;
                    onHome += home.getItem(b -> b.tableName("orders").key(key(pk)).consistentRead(true)).hasItem() ? 1 : 0;
                    GetItemResponse strong = ddb.getItem(b -> b.tableName("orders").key(key(pk)).consistentRead(true))
                            .get(10, TimeUnit.SECONDS);
                    if (strong.hasItem()) {
                        strongFound++;
                        qtySum += Long.parseLong(strong.item().get("qty").n());
                    }
                    // EVENTUAL (the default) goes to the local region, us-west-2, which replication has not reached
                    eventualStale += ddb.getItem(b -> b.tableName("orders").key(key(pk))).get(10, TimeUnit.SECONDS)
                            .hasItem() ? 0 : 1;
                }
            } finally {
                regions.resumeReplication();
            }
            System.out.printf("DynamoDbAsyncClient bean %s, replication paused: %d of %d async writes in the home region; "
                    + "STRONG async reads found %d of %d (qty sum %d); EVENTUAL async reads (local region) %d of %d stale%n",
                    ddb.getClass().getSimpleName(), onHome, ITEMS, strongFound, ITEMS, qtySum, eventualStale, ITEMS);
            assertThat(onHome).isEqualTo(ITEMS);
            assertThat(strongFound).isEqualTo(ITEMS);
            assertThat(qtySum).isEqualTo((long) ITEMS * (ITEMS - 1) / 2);
            assertThat(eventualStale).as("EVENTUAL reads went to the paused local region").isPositive();

            // the Enhanced async client over the bean
            DynamoDbEnhancedAsyncClient enhanced = DynamoDbEnhancedAsyncClient.builder().dynamoDbClient(ddb).build();
            DynamoDbAsyncTable<EnhancedDocument> orders = enhanced.table("orders", TableSchema.documentSchemaBuilder()
                    .addIndexPartitionKey(TableMetadata.primaryIndexName(), "pk", AttributeValueType.S)
                    .attributeConverterProviders(AttributeConverterProvider.defaultProvider()).build());
            long enhancedSum = 0;
            for (int i = 0; i < 10; i++) {
                orders.putItem(EnhancedDocument.builder().attributeConverterProviders(AttributeConverterProvider.defaultProvider())
                        .putString("pk", "e-" + i).putNumber("qty", 100 + i).build()).get(10, TimeUnit.SECONDS);
            }
            for (int i = 0; i < 10; i++) {
                int n = i;
                EnhancedDocument d = orders.getItem(r -> r.key(Key.builder().partitionValue("e-" + n).build()).consistentRead(true))
                        .get(10, TimeUnit.SECONDS);
                enhancedSum += d == null ? 0 : d.getNumber("qty").longValue();
            }
            System.out.printf("DynamoDbEnhancedAsyncClient over the bean: 10 documents written and read back STRONG, qty sum %d%n",
                    enhancedSum);
            assertThat(enhancedSum).isEqualTo(1045L);
            threadsOpen.set(nettyThreads());
        });
        // closed with the context: the SDK async clients close their Netty event loops
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (nettyThreads() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        System.out.printf("Netty event-loop threads: %d while the context ran, %d after it closed%n", threadsOpen.get(), nettyThreads());
        assertThat(threadsOpen.get()).isPositive();
        assertThat(nettyThreads()).isZero();
    }

    @Test
    void backsOffWhenTheApplicationDefinesItsOwnDynamoDbAsyncClient(DynamoDbRegions regions) {
        context(regions).withBean("myAsync", DynamoDbAsyncClient.class, () -> DynamoDbAsyncClient.builder()
                        .region(Region.US_EAST_1).endpointOverride(regions.endpoint("us-east-1"))
                        .credentialsProvider(regions.credentials()).build())
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBeanNamesForType(DynamoDbAsyncClient.class)).containsExactly("myAsync");
                    assertThat(context.getBeansOfType(HavenDynamoDbAsyncClient.class)).isEmpty();
                    assertThat(context.getBean(DynamoDbClient.class)).isInstanceOf(HavenDynamoDbClient.class);
                    System.out.printf("application's own DynamoDbAsyncClient: %d HavenDynamoDbAsyncClient beans, %d DynamoDbAsyncClient beans%n",
                            context.getBeansOfType(HavenDynamoDbAsyncClient.class).size(),
                            context.getBeanNamesForType(DynamoDbAsyncClient.class).length);
                });
    }

    @Test
    void noAsyncBeanWithoutAnAsyncHttpClientOnTheClassPath(DynamoDbRegions regions) {
        context(regions).withClassLoader(new FilteredClassLoader("software.amazon.awssdk.http.nio.netty"))
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBeanNamesForType(DynamoDbAsyncClient.class)).isEmpty();
                    // the sync bean is there all the same
                    assertThat(context.getBean(DynamoDbClient.class)).isInstanceOf(HavenDynamoDbClient.class);
                    System.out.printf("without netty-nio-client: %d DynamoDbAsyncClient beans, %d DynamoDbClient beans%n",
                            context.getBeanNamesForType(DynamoDbAsyncClient.class).length,
                            context.getBeanNamesForType(DynamoDbClient.class).length);
                });
    }
}
