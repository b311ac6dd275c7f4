// cloud_configs: the typed result of good files, and every validation error
// with its position.
#include "config/cloud_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "config/config.h"

namespace vigil::config {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

Config MustLoad(std::string_view yaml, const std::string& dir = "/etc/vigil") {
  auto r = LoadString(yaml, "test.yml", dir);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(r).value() : Config{};
}

std::string LoadError(std::string_view yaml) {
  auto r = LoadString(yaml, "test.yml", "/etc/vigil");
  EXPECT_FALSE(r.ok()) << "loaded, want an error:\n" << yaml;
  return r.ok() ? "" : r.status().message();
}

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/vigil_cloud_config_test_XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }
  std::string Write(const std::string& rel, std::string_view text) const {
    std::filesystem::path p = std::filesystem::path(path_) / rel;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p.string();
  }

 private:
  std::string path_;
};

// ---- good files --------------------------------------------------------------

TEST(CloudConfigTest, NoSectionMeansNoCollectors) {
  Config c = MustLoad("global:\n  scrape_interval: 15s\n");
  EXPECT_TRUE(c.cloud_configs.empty());
  c = MustLoad("cloud_configs:\n");
  EXPECT_TRUE(c.cloud_configs.empty());
}

TEST(CloudConfigTest, FullAwsExampleLoadsEveryKey) {
  Config c = MustLoad(R"(
cloud_configs:
  aws:
    - name: aws-prod
      regions: [us-east-1, eu-west-1]
      endpoint: http://127.0.0.1:9901/
      poll_interval: 2m
      metrics_per_query: 250
      request_timeout: 10s
      ca_file: certs/ca.pem
      cost_per_1000_metrics: 0.012
      credentials:
        access_key_id: AKIDEXAMPLE
        secret_access_key: wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY
        session_token: tok
        profile: prod
        shared_credentials_file: aws/credentials
        shared_config_file: /abs/config
        role_arn: arn:aws:iam::123456789012:role/vigil
        external_id: ext
        role_session_name: sess
        web_identity_token_file: token
        sts_endpoint: http://127.0.0.1:9901
        imds_disabled: true
        imds_endpoint: http://169.254.169.254
      discovery:
        - type: ec2
          search_tags:
            - key: env
              value: prod|staging
          exported_tags: [Name, env]
          dimension_name_requirements: [InstanceId]
          recently_active_only: false
          statistics: [Average, Maximum]
          period: 1m
          length: 10m
          delay: 2m
          nil_to_zero: true
          add_cloudwatch_timestamp: true
          metrics:
            - name: CPUUtilization
            - name: NetworkIn
              statistics: [Sum, p99, p99.9]
              period: 5m
              length: 15m
              delay: 0s
              nil_to_zero: false
              add_cloudwatch_timestamp: false
        - type: AWS/ApplicationELB
          metrics:
            - name: RequestCount
              statistics: [Sum]
)");
  ASSERT_EQ(c.cloud_configs.aws.size(), 1u);
  const AWSCloudConfig& a = c.cloud_configs.aws[0];
  EXPECT_EQ(a.name, "aws-prod");
  EXPECT_THAT(a.regions, ElementsAre("us-east-1", "eu-west-1"));
  EXPECT_EQ(a.endpoint, "http://127.0.0.1:9901");
  EXPECT_EQ(a.poll_interval_ms, 120'000);
  EXPECT_EQ(a.metrics_per_query, 250);
  EXPECT_EQ(a.request_timeout_ms, 10'000);
  EXPECT_EQ(a.ca_file, "/etc/vigil/certs/ca.pem");
  EXPECT_DOUBLE_EQ(a.cost_per_1000_metrics, 0.012);
  const AWSCredentialsConfig& cr = a.credentials;
  EXPECT_EQ(cr.access_key_id, "AKIDEXAMPLE");
  EXPECT_EQ(cr.secret_access_key.value, "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
  EXPECT_EQ(cr.session_token.value, "tok");
  EXPECT_EQ(cr.profile, "prod");
  EXPECT_EQ(cr.shared_credentials_file, "/etc/vigil/aws/credentials");
  EXPECT_EQ(cr.shared_config_file, "/abs/config");
  EXPECT_EQ(cr.role_arn, "arn:aws:iam::123456789012:role/vigil");
  EXPECT_EQ(cr.external_id, "ext");
  EXPECT_EQ(cr.role_session_name, "sess");
  EXPECT_EQ(cr.web_identity_token_file, "/etc/vigil/token");
  EXPECT_EQ(cr.sts_endpoint, "http://127.0.0.1:9901");
  EXPECT_TRUE(cr.imds_disabled);
  EXPECT_EQ(cr.imds_endpoint, "http://169.254.169.254");

  ASSERT_EQ(a.discovery.size(), 2u);
  const AWSDiscoveryJob& j = a.discovery[0];
  EXPECT_EQ(j.type, "ec2");
  EXPECT_EQ(j.namespace_, "AWS/EC2");
  ASSERT_EQ(j.search_tags.size(), 1u);
  EXPECT_EQ(j.search_tags[0].key, "env");
  EXPECT_EQ(j.search_tags[0].value, "prod|staging");
  EXPECT_THAT(j.exported_tags, ElementsAre("Name", "env"));
  EXPECT_THAT(j.dimension_name_requirements, ElementsAre("InstanceId"));
  EXPECT_FALSE(j.recently_active_only);
  EXPECT_THAT(j.statistics, ElementsAre("Average", "Maximum"));
  EXPECT_EQ(j.period_ms, 60'000);
  EXPECT_EQ(j.length_ms, 600'000);
  EXPECT_EQ(j.delay_ms, 120'000);
  EXPECT_TRUE(j.nil_to_zero);
  EXPECT_TRUE(j.add_cloudwatch_timestamp);
  ASSERT_EQ(j.metrics.size(), 2u);
  // A metric's unset settings are the job's, filled in by the loader.
  const AWSMetricConfig& cpu = j.metrics[0];
  EXPECT_EQ(cpu.name, "CPUUtilization");
  EXPECT_THAT(cpu.statistics, ElementsAre("Average", "Maximum"));
  EXPECT_EQ(cpu.period_ms, 60'000);
  EXPECT_EQ(cpu.length_ms, 600'000);
  EXPECT_EQ(cpu.delay_ms, 120'000);
  EXPECT_EQ(cpu.nil_to_zero, true);
  EXPECT_EQ(cpu.add_cloudwatch_timestamp, true);
  const AWSMetricConfig& net = j.metrics[1];
  EXPECT_THAT(net.statistics, ElementsAre("Sum", "p99", "p99.9"));
  EXPECT_EQ(net.period_ms, 300'000);
  EXPECT_EQ(net.length_ms, 900'000);
  EXPECT_EQ(net.delay_ms, 0);
  EXPECT_EQ(net.nil_to_zero, false);
  EXPECT_EQ(net.add_cloudwatch_timestamp, false);
  EXPECT_EQ(a.discovery[1].namespace_, "AWS/ApplicationELB");
}

TEST(CloudConfigTest, AwsDefaultsAreYaces) {
  Config c = MustLoad(R"(
cloud_configs:
  aws:
    - name: a
      regions: [us-east-1]
      discovery:
        - type: rds
          metrics: [{name: CPUUtilization}]
)");
  const AWSCloudConfig& a = c.cloud_configs.aws[0];
  EXPECT_EQ(a.endpoint, "");
  EXPECT_EQ(a.poll_interval_ms, 300'000);
  EXPECT_EQ(a.metrics_per_query, 500);
  EXPECT_EQ(a.request_timeout_ms, 30'000);
  EXPECT_EQ(a.credentials.role_session_name, "vigil");
  const AWSDiscoveryJob& j = a.discovery[0];
  EXPECT_EQ(j.namespace_, "AWS/RDS");
  EXPECT_TRUE(j.recently_active_only);
  EXPECT_THAT(j.statistics, ElementsAre("Average"));
  EXPECT_EQ(j.period_ms, 300'000);
  EXPECT_EQ(j.length_ms, 300'000);
  EXPECT_EQ(j.delay_ms, 0);
  EXPECT_THAT(j.metrics[0].statistics, ElementsAre("Average"));
  EXPECT_EQ(j.metrics[0].period_ms, 300'000);
}

TEST(CloudConfigTest, UnsetLengthCoversAtLeastOnePeriod) {
  Config c = MustLoad(R"(
cloud_configs:
  aws:
    - name: a
      regions: [us-east-1]
      discovery:
        - type: ec2
          period: 10m
          metrics:
            - name: CPUUtilization
            - name: NetworkIn
              period: 1h
            - name: NetworkOut
              period: 1m
)");
  const AWSDiscoveryJob& j = c.cloud_configs.aws[0].discovery[0];
  EXPECT_EQ(j.length_ms, 600'000);
  EXPECT_EQ(j.metrics[0].length_ms, 600'000);
  EXPECT_EQ(j.metrics[1].length_ms, 3'600'000);
  EXPECT_EQ(j.metrics[2].length_ms, 600'000);  // the job's
}

TEST(CloudConfigTest, EveryTaskAliasResolvesToItsNamespace) {
  const std::pair<const char*, const char*> kCases[] = {
      {"ec2", "AWS/EC2"},
      {"rds", "AWS/RDS"},
      {"elb", "AWS/ELB"},
      {"alb", "AWS/ApplicationELB"},
      {"nlb", "AWS/NetworkELB"},
      {"lambda", "AWS/Lambda"},
      {"s3", "AWS/S3"},
      {"ebs", "AWS/EBS"},
      {"sqs", "AWS/SQS"},
      {"dynamodb", "AWS/DynamoDB"},
      {"apigateway", "AWS/ApiGateway"},
      {"ecs-svc", "AWS/ECS"},
      {"AWS/Custom", "AWS/Custom"},
      {"ECS/ContainerInsights", "ECS/ContainerInsights"},
  };
  for (const auto& [type, ns] : kCases) EXPECT_EQ(AwsNamespaceForType(type), ns) << type;
  EXPECT_EQ(AwsNamespaceForType("EC2"), "");
  EXPECT_EQ(AwsNamespaceForType("nope"), "");
}

TEST(CloudConfigTest, FullAzureExampleLoadsEveryKey) {
  Config c = MustLoad(R"(
cloud_configs:
  azure:
    - name: azure-prod
      subscriptions: [00000000-0000-0000-0000-000000000001]
      regions: [westeurope]
      tenant_id: tenant
      client_id: client
      client_secret_file: secrets/azure
      managed_identity_client_id: mi
      authority_host: https://127.0.0.1:9902/
      resource_manager_endpoint: https://127.0.0.1:9902
      metrics_endpoint: https://{region}.127.0.0.1.nip.io:9902
      ca_file: /etc/ssl/sim.pem
      poll_interval: 2m
      delay: 1m
      discovery_interval: 10m
      request_timeout: 5s
      batch_size: 20
      name_template: azure_{type}_{metric}_{aggregation}_{unit}
      resources:
        - resource_type: Microsoft.Compute/virtualMachines
          metric_namespace: Microsoft.Compute/virtualMachines
          resource_groups: [rg1, rg2]
          tags: {env: prod}
          metrics: [Percentage CPU, Network In Total]
          aggregations: [Average, maximum]
          interval: PT5M
          timespan: PT15M
          filter: "LUN eq '*'"
          top: 5
        - resource_type: Microsoft.Sql/servers/databases
          metrics: [cpu_percent]
          interval: PT60M
          timespan: 3h
)");
  ASSERT_EQ(c.cloud_configs.azure.size(), 1u);
  const AzureCloudConfig& a = c.cloud_configs.azure[0];
  EXPECT_EQ(a.name, "azure-prod");
  EXPECT_THAT(a.subscriptions, ElementsAre("00000000-0000-0000-0000-000000000001"));
  EXPECT_THAT(a.regions, ElementsAre("westeurope"));
  EXPECT_EQ(a.tenant_id, "tenant");
  EXPECT_EQ(a.client_id, "client");
  EXPECT_TRUE(a.client_secret.empty());
  EXPECT_EQ(a.client_secret_file, "/etc/vigil/secrets/azure");
  EXPECT_FALSE(a.use_managed_identity);
  EXPECT_EQ(a.managed_identity_client_id, "mi");
  EXPECT_EQ(a.authority_host, "https://127.0.0.1:9902");
  EXPECT_EQ(a.resource_manager_endpoint, "https://127.0.0.1:9902");
  EXPECT_EQ(a.metrics_endpoint, "https://{region}.127.0.0.1.nip.io:9902");
  EXPECT_EQ(a.ca_file, "/etc/ssl/sim.pem");
  EXPECT_EQ(a.poll_interval_ms, 120'000);
  EXPECT_EQ(a.delay_ms, 60'000);
  EXPECT_EQ(a.discovery_interval_ms, 600'000);
  EXPECT_EQ(a.request_timeout_ms, 5'000);
  EXPECT_EQ(a.batch_size, 20);
  EXPECT_EQ(a.name_template, "azure_{type}_{metric}_{aggregation}_{unit}");
  ASSERT_EQ(a.resources.size(), 2u);
  const AzureResourceQuery& vm = a.resources[0];
  EXPECT_EQ(vm.resource_type, "Microsoft.Compute/virtualMachines");
  EXPECT_THAT(vm.resource_groups, ElementsAre("rg1", "rg2"));
  EXPECT_EQ(vm.tags.at("env"), "prod");
  EXPECT_THAT(vm.metrics, ElementsAre("Percentage CPU", "Network In Total"));
  EXPECT_THAT(vm.aggregations, ElementsAre("average", "maximum"));  // lower-cased
  EXPECT_EQ(vm.interval, "PT5M");
  EXPECT_EQ(vm.timespan_ms, 900'000);
  EXPECT_EQ(vm.filter, "LUN eq '*'");
  EXPECT_EQ(vm.top, 5);
  const AzureResourceQuery& sql = a.resources[1];
  EXPECT_EQ(sql.metric_namespace, "Microsoft.Sql/servers/databases");  // from resource_type
  EXPECT_THAT(sql.aggregations, ElementsAre("average"));
  EXPECT_EQ(sql.interval, "PT1H");  // canonical form
  EXPECT_EQ(sql.timespan_ms, 3 * 3'600'000);
}

TEST(CloudConfigTest, AzureDefaultsAreTheRealEndpoints) {
  Config c = MustLoad(R"(
cloud_configs:
  azure:
    - name: az
      subscriptions: [s]
      use_managed_identity: true
      managed_identity_endpoint: http://127.0.0.1:9902/msi/token
      client_secret: ""
      resources:
        - resource_type: Microsoft.Storage/storageAccounts
          metrics: [UsedCapacity]
)");
  const AzureCloudConfig& a = c.cloud_configs.azure[0];
  EXPECT_TRUE(a.use_managed_identity);
  EXPECT_EQ(a.managed_identity_endpoint, "http://127.0.0.1:9902/msi/token");
  EXPECT_EQ(a.authority_host, "https://login.microsoftonline.com");
  EXPECT_EQ(a.resource_manager_endpoint, "https://management.azure.com");
  EXPECT_EQ(a.metrics_endpoint, "https://{region}.metrics.monitor.azure.com");
  EXPECT_EQ(a.poll_interval_ms, 60'000);
  EXPECT_EQ(a.discovery_interval_ms, 1'800'000);
  EXPECT_EQ(a.batch_size, 50);
  EXPECT_EQ(a.name_template, "azurerm_resource_metric");
  EXPECT_EQ(a.resources[0].interval, "PT1M");
  EXPECT_EQ(a.resources[0].timespan_ms, 0);
}

TEST(CloudConfigTest, FullGcpExampleLoadsEveryKey) {
  Config c = MustLoad(R"(
cloud_configs:
  gcp:
    - name: gcp-prod
      project_ids: [example-project, other]
      credentials_file: gcp-service-account.json
      token_uri: http://127.0.0.1:9903/token
      endpoint: http://127.0.0.1:9903
      ca_file: ca.pem
      poll_interval: 2m
      delay: 3m
      lookback: 10m
      request_timeout: 20s
      metrics:
        - type: compute.googleapis.com/instance/cpu/utilization
          filter: resource.type = "gce_instance"
          aligner: ALIGN_MEAN
          reducer: REDUCE_MEAN
          group_by_fields: [resource.label.zone]
          alignment_period: 5m
        - type_prefix: cloudsql.googleapis.com/database/
        - type: storage.googleapis.com/storage/total_bytes
          aligner: ALIGN_MAX
)",
                      "/srv/vigil");
  ASSERT_EQ(c.cloud_configs.gcp.size(), 1u);
  const GCPCloudConfig& g = c.cloud_configs.gcp[0];
  EXPECT_EQ(g.name, "gcp-prod");
  EXPECT_THAT(g.project_ids, ElementsAre("example-project", "other"));
  EXPECT_EQ(g.credentials_file, "/srv/vigil/gcp-service-account.json");
  EXPECT_EQ(g.token_uri, "http://127.0.0.1:9903/token");
  EXPECT_EQ(g.endpoint, "http://127.0.0.1:9903");
  EXPECT_EQ(g.ca_file, "/srv/vigil/ca.pem");
  EXPECT_EQ(g.poll_interval_ms, 120'000);
  EXPECT_EQ(g.delay_ms, 180'000);
  EXPECT_EQ(g.lookback_ms, 600'000);
  EXPECT_EQ(g.request_timeout_ms, 20'000);
  ASSERT_EQ(g.metrics.size(), 3u);
  const GCPMetricQuery& cpu = g.metrics[0];
  EXPECT_EQ(cpu.type, "compute.googleapis.com/instance/cpu/utilization");
  EXPECT_EQ(cpu.filter, "resource.type = \"gce_instance\"");
  EXPECT_EQ(cpu.aligner, "ALIGN_MEAN");
  EXPECT_EQ(cpu.reducer, "REDUCE_MEAN");
  EXPECT_THAT(cpu.group_by_fields, ElementsAre("resource.label.zone"));
  EXPECT_EQ(cpu.alignment_period_ms, 300'000);
  EXPECT_EQ(g.metrics[1].type_prefix, "cloudsql.googleapis.com/database/");
  EXPECT_EQ(g.metrics[1].alignment_period_ms, 120'000);  // the poll interval
  EXPECT_EQ(g.metrics[2].alignment_period_ms, 120'000);
}

TEST(CloudConfigTest, GcpDefaultsAreStackdriverExporters) {
  Config c = MustLoad(R"(
cloud_configs:
  gcp:
    - name: g
      project_ids: [p]
      metrics: [{type: a.googleapis.com/b}]
)");
  const GCPCloudConfig& g = c.cloud_configs.gcp[0];
  EXPECT_EQ(g.credentials_file, "");
  EXPECT_EQ(g.endpoint, "https://monitoring.googleapis.com");
  EXPECT_EQ(g.poll_interval_ms, 60'000);
  EXPECT_EQ(g.delay_ms, 60'000);
  EXPECT_EQ(g.lookback_ms, 300'000);
}

TEST(CloudConfigTest, AllThreeProvidersAndScrapeJobsTogether) {
  Config c = MustLoad(R"(
scrape_configs:
  - job_name: node
cloud_configs:
  gcp:
    - {name: g, project_ids: [p], metrics: [{type: a.googleapis.com/b}]}
  aws:
    - name: a
      regions: [us-east-1]
      discovery: [{type: s3, metrics: [{name: BucketSizeBytes}]}]
  azure:
    - name: z
      subscriptions: [s]
      resources: [{resource_type: A/b, metrics: [m]}]
)");
  EXPECT_EQ(c.cloud_configs.aws.size(), 1u);
  EXPECT_EQ(c.cloud_configs.azure.size(), 1u);
  EXPECT_EQ(c.cloud_configs.gcp.size(), 1u);
  EXPECT_EQ(c.scrape_configs.size(), 1u);
}

TEST(CloudConfigTest, RelativePathsResolveAgainstTheFilesDirectory) {
  TempDir dir;
  std::string path = dir.Write("etc/vigil.yml", R"(
cloud_configs:
  aws:
    - name: a
      regions: [us-east-1]
      ca_file: ca.pem
      credentials:
        shared_credentials_file: aws/credentials
        shared_config_file: aws/config
        role_arn: arn:aws:iam::123456789012:role/r
        web_identity_token_file: token
      discovery: [{type: s3, metrics: [{name: BucketSizeBytes}]}]
  azure:
    - name: z
      subscriptions: [s]
      ca_file: sim/ca.pem
      client_secret_file: azure.secret
      resources: [{resource_type: A/b, metrics: [m]}]
  gcp:
    - name: g
      project_ids: [p]
      ca_file: ../ca.pem
      credentials_file: gcp-service-account.json
      metrics: [{type: a.googleapis.com/b}]
)");
  auto r = LoadFile(path);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const std::string etc = dir.path() + "/etc";
  const CloudConfigs& c = r->cloud_configs;
  EXPECT_EQ(c.aws[0].ca_file, etc + "/ca.pem");
  EXPECT_EQ(c.aws[0].credentials.shared_credentials_file, etc + "/aws/credentials");
  EXPECT_EQ(c.aws[0].credentials.shared_config_file, etc + "/aws/config");
  EXPECT_EQ(c.aws[0].credentials.web_identity_token_file, etc + "/token");
  EXPECT_EQ(c.azure[0].ca_file, etc + "/sim/ca.pem");
  EXPECT_EQ(c.azure[0].client_secret_file, etc + "/azure.secret");
  EXPECT_EQ(c.gcp[0].ca_file, dir.path() + "/ca.pem");
  EXPECT_EQ(c.gcp[0].credentials_file, etc + "/gcp-service-account.json");
}

TEST(CloudConfigTest, NameOfAJobFromScrapeConfigFilesIsRefused) {
  TempDir dir;
  dir.Write("jobs/more.yml", "scrape_configs:\n  - job_name: billing\n");
  std::string path = dir.Write("vigil.yml", R"(
scrape_config_files: [jobs/*.yml]
cloud_configs:
  gcp:
    - name: billing
      project_ids: [p]
      metrics: [{type: a.googleapis.com/b}]
)");
  auto r = LoadFile(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            path +
                ":5:7: gcp cloud config name \"billing\" is also the job_name of a scrape "
                "config (both would write job=\"billing\")");
}

TEST(CloudConfigTest, NullDurationsKeepTheirDefaults) {
  Config c = MustLoad(R"(
cloud_configs:
  aws:
    - name: a
      regions: [us-east-1]
      poll_interval:
      discovery:
        - type: ec2
          period:
          metrics: [{name: CPUUtilization, period: , length: }]
)");
  EXPECT_EQ(c.cloud_configs.aws[0].poll_interval_ms, 300'000);
  EXPECT_EQ(c.cloud_configs.aws[0].discovery[0].period_ms, 300'000);
  EXPECT_EQ(c.cloud_configs.aws[0].discovery[0].metrics[0].period_ms, 300'000);
}

TEST(CloudConfigTest, HomeRelativePathsAreLeftToTheCredentialsChain) {
  Config c = MustLoad(R"(
cloud_configs:
  aws:
    - name: a
      regions: [us-east-1]
      credentials: {shared_credentials_file: ~/.aws/credentials}
      discovery: [{type: s3, metrics: [{name: BucketSizeBytes}]}]
)");
  EXPECT_EQ(c.cloud_configs.aws[0].credentials.shared_credentials_file, "~/.aws/credentials");
}

TEST(CloudConfigTest, SameConfigComparesEqualAndAnEditDoesNot) {
  const char* kBase = R"(
cloud_configs:
  aws:
    - name: a
      regions: [us-east-1]
      discovery: [{type: s3, metrics: [{name: BucketSizeBytes}]}]
)";
  Config a = MustLoad(kBase);
  Config b = MustLoad(kBase);
  EXPECT_TRUE(a.cloud_configs == b.cloud_configs);
  std::string edited = std::string(kBase) + "      poll_interval: 1m\n";
  Config c = MustLoad(edited);
  EXPECT_FALSE(a.cloud_configs.aws[0] == c.cloud_configs.aws[0]);
}

// ---- errors, each at its file:line:col -------------------------------------------

struct ErrorCase {
  const char* what;
  const char* yaml;
  const char* want;  // the full "test.yml:L:C: message" or a prefix of it
};

class CloudConfigErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(CloudConfigErrorTest, RefusedWithPosition) {
  const ErrorCase& c = GetParam();
  std::string err = LoadError(c.yaml);
  EXPECT_THAT(err, HasSubstr(c.want)) << c.what;
  EXPECT_TRUE(err.starts_with("test.yml:")) << err;
}

// A valid AWS entry to break one line of.
#define AWS_HEAD     \
  "cloud_configs:\n" \
  "  aws:\n"         \
  "    - name: a\n"  \
  "      regions: [us-east-1]\n"
#define AWS_JOB           \
  "      discovery:\n"    \
  "        - type: ec2\n" \
  "          metrics:\n"  \
  "            - name: CPUUtilization\n"
#define AZ_HEAD      \
  "cloud_configs:\n" \
  "  azure:\n"       \
  "    - name: z\n"  \
  "      subscriptions: [s]\n"
#define AZ_RES                                                   \
  "      resources:\n"                                           \
  "        - resource_type: Microsoft.Compute/virtualMachines\n" \
  "          metrics: [Percentage CPU]\n"
#define GCP_HEAD     \
  "cloud_configs:\n" \
  "  gcp:\n"         \
  "    - name: g\n"  \
  "      project_ids: [p]\n"

const ErrorCase kErrors[] = {
    // Section and structure.
    {"unknown provider", "cloud_configs:\n  oracle: []\n",
     "test.yml:2:3: field oracle not found in type config.CloudConfigs"},
    {"section not a map", "cloud_configs: [a]\n",
     "test.yml:1:16: yaml: unmarshal errors: cannot unmarshal !!seq into config.CloudConfigs"},
    {"null entry", "cloud_configs:\n  aws:\n    -\n",
     "test.yml:3:5: empty or null aws cloud config"},
    {"unknown aws key", AWS_HEAD "      regoins: [x]\n" AWS_JOB,
     "test.yml:5:7: field regoins not found in type config.AWSCloudConfig"},
    {"repeated key", AWS_HEAD "      regions: [x]\n" AWS_JOB,
     "test.yml:5:7: field regions already set in type config.AWSCloudConfig"},
    {"namespace is not a key",
     AWS_HEAD "      discovery:\n        - namespace: AWS/EC2\n          type: ec2\n",
     "test.yml:6:11: field namespace not found in type config.AWSDiscoveryJob"},
    {"unknown credentials key", AWS_HEAD "      credentials: {secret_key: x}\n" AWS_JOB,
     "test.yml:5:21: field secret_key not found in type config.AWSCredentialsConfig"},
    {"unknown metric key", AWS_HEAD AWS_JOB "              stat: Sum\n",
     "test.yml:9:15: field stat not found in type config.AWSMetricConfig"},
    // AWS required fields.
    {"aws name missing", "cloud_configs:\n  aws:\n    - regions: [us-east-1]\n" AWS_JOB,
     "test.yml:3:7: aws cloud config needs a name"},
    {"aws regions missing", "cloud_configs:\n  aws:\n    - name: a\n" AWS_JOB,
     "test.yml:3:7: aws cloud config \"a\" needs at least one region"},
    {"aws empty region",
     "cloud_configs:\n  aws:\n    - name: a\n      regions: [us-east-1, \"\"]\n" AWS_JOB,
     "test.yml:4:28: empty region"},
    {"aws discovery missing", AWS_HEAD,
     "test.yml:3:7: aws cloud config \"a\" needs at least one discovery job"},
    {"job type missing", AWS_HEAD "      discovery:\n        - metrics: [{name: X}]\n",
     "test.yml:6:11: discovery job needs a type"},
    {"unknown alias",
     AWS_HEAD "      discovery:\n        - type: ec3\n          metrics: [{name: X}]\n",
     "test.yml:6:17: unknown type \"ec3\": want a namespace such as AWS/EC2 or one of [alb "},
    {"job metrics missing", AWS_HEAD "      discovery:\n        - type: ec2\n",
     "test.yml:6:11: discovery job ec2 needs at least one metric"},
    {"metric name missing",
     AWS_HEAD "      discovery:\n        - type: ec2\n          metrics: [{statistics: [Sum]}]\n",
     "test.yml:7:21: metric needs a name"},
    // AWS values.
    {"bad statistic",
     AWS_HEAD "      discovery:\n        - type: ec2\n          statistics: [Average, Avg]\n"
              "          metrics: [{name: X}]\n",
     "test.yml:7:33: unknown statistic \"Avg\": want Sum, Average, Maximum, Minimum, SampleCount"},
    {"bad percentile", AWS_HEAD AWS_JOB "              statistics: [p101]\n",
     "test.yml:9:28: unknown statistic \"p101\""},
    {"duplicate statistic", AWS_HEAD AWS_JOB "              statistics: [Sum, Sum]\n",
     "test.yml:9:33: statistic Sum listed twice"},
    {"empty statistics", AWS_HEAD AWS_JOB "              statistics: []\n",
     "test.yml:8:15: metric CPUUtilization: statistics must not be empty"},
    {"period not a multiple of 60s",
     AWS_HEAD "      discovery:\n        - type: ec2\n          period: 90s\n"
              "          metrics: [{name: X}]\n",
     "test.yml:7:19: period must be 1s, 5s, 10s, 20s, 30s or a multiple of 60s, got 1m30s"},
    {"period zero", AWS_HEAD AWS_JOB "              period: 0s\n",
     "test.yml:9:23: period must be 1s, 5s, 10s, 20s, 30s or a multiple of 60s, got 0s"},
    {"bad duration", AWS_HEAD AWS_JOB "              delay: 5 minutes\n",
     "test.yml:9:22: unknown unit \" minutes\" in duration \"5 minutes\""},
    {"length shorter than period",
     AWS_HEAD "      discovery:\n        - type: ec2\n          length: 1m\n"
              "          metrics: [{name: X}]\n",
     "test.yml:7:19: discovery job ec2: length 1m is shorter than period 5m"},
    {"metric length shorter than its period",
     AWS_HEAD AWS_JOB "              period: 10m\n              length: 5m\n",
     "test.yml:8:15: metric CPUUtilization: length 5m is shorter than period 10m"},
    {"metrics_per_query too big", AWS_HEAD "      metrics_per_query: 501\n" AWS_JOB,
     "test.yml:5:26: metrics_per_query must be between 1 and 500 (GetMetricData's limit), got 501"},
    {"metrics_per_query zero", AWS_HEAD "      metrics_per_query: 0\n" AWS_JOB,
     "test.yml:5:26: metrics_per_query must be between 1 and 500"},
    {"metrics_per_query not a number", AWS_HEAD "      metrics_per_query: many\n" AWS_JOB,
     "test.yml:5:26: yaml: unmarshal errors: cannot unmarshal !!str `many` into int"},
    {"poll_interval zero", AWS_HEAD "      poll_interval: 0s\n" AWS_JOB,
     "test.yml:5:22: poll_interval must be greater than 0"},
    {"negative cost", AWS_HEAD "      cost_per_1000_metrics: -1\n" AWS_JOB,
     "test.yml:5:30: cost_per_1000_metrics must be a number >= 0"},
    {"endpoint not a URL", AWS_HEAD "      endpoint: 127.0.0.1:9901\n" AWS_JOB,
     "test.yml:5:17: endpoint \"127.0.0.1:9901\" must be an http or https URL"},
    {"endpoint ftp", AWS_HEAD "      endpoint: ftp://x\n" AWS_JOB,
     "test.yml:5:17: endpoint \"ftp://x\" must be an http or https URL"},
    {"search tag without key",
     AWS_HEAD "      discovery:\n        - type: ec2\n          search_tags: [{value: x}]\n"
              "          metrics: [{name: X}]\n",
     "test.yml:7:25: search tag needs a key"},
    {"search tag without value",
     AWS_HEAD "      discovery:\n        - type: ec2\n          search_tags: [{key: env}]\n"
              "          metrics: [{name: X}]\n",
     "test.yml:7:25: search tag \"env\" needs a value"},
    {"search tag bad regex",
     AWS_HEAD
     "      discovery:\n        - type: ec2\n          search_tags: [{key: env, value: \"(\"}]\n"
     "          metrics: [{name: X}]\n",
     "test.yml:7:43: search tag \"env\": invalid regular expression \"(\": missing ): ("},
    // AWS credentials.
    {"key without secret", AWS_HEAD "      credentials: {access_key_id: AKID}\n" AWS_JOB,
     "test.yml:5:20: access_key_id and secret_access_key must be given together"},
    {"secret without key", AWS_HEAD "      credentials: {secret_access_key: s}\n" AWS_JOB,
     "test.yml:5:20: access_key_id and secret_access_key must be given together"},
    {"session token alone", AWS_HEAD "      credentials: {session_token: t}\n" AWS_JOB,
     "test.yml:5:20: session_token needs access_key_id and secret_access_key"},
    {"external id without role", AWS_HEAD "      credentials: {external_id: e}\n" AWS_JOB,
     "test.yml:5:20: external_id needs role_arn"},
    {"web identity without role",
     AWS_HEAD "      credentials: {web_identity_token_file: t}\n" AWS_JOB,
     "test.yml:5:20: web_identity_token_file needs role_arn"},
    {"role arn not an ARN", AWS_HEAD "      credentials: {role_arn: vigil}\n" AWS_JOB,
     "test.yml:5:31: role_arn \"vigil\" is not an ARN"},
    {"secret as a map",
     AWS_HEAD
     "      credentials:\n        access_key_id: a\n        secret_access_key: {x: y}\n" AWS_JOB,
     "test.yml:7:28: yaml: unmarshal errors: cannot unmarshal !!map into config.CloudSecret"},
    // Names.
    {"names unique across providers",
     AWS_HEAD AWS_JOB
     "  gcp:\n    - name: a\n      project_ids: [p]\n      metrics: [{type: a.googleapis.com/b}]\n",
     "test.yml:10:7: found multiple cloud configs with name \"a\" (aws and gcp)"},
    {"names unique within a provider",
     AWS_HEAD AWS_JOB "    - name: a\n      regions: [x]\n" AWS_JOB,
     "test.yml:9:7: found multiple cloud configs with name \"a\" (aws and aws)"},
    {"name is a scrape job", "scrape_configs:\n  - job_name: a\n" AWS_HEAD AWS_JOB,
     "test.yml:5:7: aws cloud config name \"a\" is also the job_name of a scrape config"},
    // Azure.
    {"unknown azure key", AZ_HEAD "      subscription: s\n" AZ_RES,
     "test.yml:5:7: field subscription not found in type config.AzureCloudConfig"},
    {"azure name missing", "cloud_configs:\n  azure:\n    - subscriptions: [s]\n" AZ_RES,
     "test.yml:3:7: azure cloud config needs a name"},
    {"azure subscriptions missing", "cloud_configs:\n  azure:\n    - name: z\n" AZ_RES,
     "test.yml:3:7: azure cloud config \"z\" needs at least one subscription"},
    {"azure resources missing", AZ_HEAD,
     "test.yml:3:7: azure cloud config \"z\" needs at least one resource query"},
    {"secret and secret file",
     AZ_HEAD "      client_secret: x\n      client_secret_file: f\n" AZ_RES,
     "test.yml:3:7: azure cloud config \"z\": at most one of client_secret and client_secret_file"},
    {"managed identity and secret",
     AZ_HEAD "      use_managed_identity: true\n      client_secret: x\n" AZ_RES,
     "test.yml:3:7: azure cloud config \"z\": use_managed_identity excludes client_secret"},
    {"batch_size too big", AZ_HEAD "      batch_size: 51\n" AZ_RES,
     "test.yml:5:19: batch_size must be between 1 and 50 (getBatch's limit), got 51"},
    {"batch_size zero", AZ_HEAD "      batch_size: 0\n" AZ_RES,
     "test.yml:5:19: batch_size must be between 1 and 50"},
    {"bad authority host", AZ_HEAD "      authority_host: login\n" AZ_RES,
     "test.yml:5:23: authority_host \"login\" must be an http or https URL"},
    {"bad template placeholder", AZ_HEAD "      name_template: azure_{metric}_{dimension}\n" AZ_RES,
     "test.yml:5:22: name_template \"azure_{metric}_{dimension}\": unknown placeholder "
     "{dimension}"},
    {"unclosed placeholder", AZ_HEAD "      name_template: azure_{metric\n" AZ_RES,
     "test.yml:5:22: name_template \"azure_{metric\": unclosed {"},
    {"resource type missing", AZ_HEAD "      resources:\n        - metrics: [m]\n",
     "test.yml:6:11: resource query needs a resource_type"},
    {"resource type malformed",
     AZ_HEAD "      resources:\n        - resource_type: virtualMachines\n          metrics: [m]\n",
     "test.yml:6:11: resource_type \"virtualMachines\" is not of the form Provider/type"},
    {"resource metrics missing", AZ_HEAD "      resources:\n        - resource_type: A/b\n",
     "test.yml:6:11: resource query A/b needs at least one metric"},
    {"bad aggregation", AZ_HEAD AZ_RES "          aggregations: [average, mean]\n",
     "test.yml:8:35: unknown aggregation \"mean\": want average, minimum, maximum, total or count"},
    {"duplicate aggregation", AZ_HEAD AZ_RES "          aggregations: [total, Total]\n",
     "test.yml:8:33: aggregation total listed twice"},
    {"interval not ISO 8601", AZ_HEAD AZ_RES "          interval: 1m\n",
     "test.yml:8:21: interval \"1m\" is not an Azure Monitor time grain: want an ISO 8601 "
     "duration"},
    {"interval not a grain", AZ_HEAD AZ_RES "          interval: PT2M\n",
     "test.yml:8:21: interval \"PT2M\" is not an Azure Monitor time grain"},
    {"interval with months", AZ_HEAD AZ_RES "          interval: P1M\n",
     "test.yml:8:21: interval \"P1M\" is not an Azure Monitor time grain"},
    {"bad timespan", AZ_HEAD AZ_RES "          timespan: PT5X\n",
     "test.yml:8:21: timespan \"PT5X\" is not a valid ISO 8601 duration"},
    {"timespan shorter than interval",
     AZ_HEAD AZ_RES "          interval: PT5M\n          timespan: 1m\n",
     "test.yml:9:21: resource query Microsoft.Compute/virtualMachines: timespan 1m is shorter than "
     "interval PT5M"},
    {"top without filter", AZ_HEAD AZ_RES "          top: 3\n",
     "test.yml:6:11: resource query Microsoft.Compute/virtualMachines: top needs a filter"},
    // GCP.
    {"unknown gcp key", GCP_HEAD "      project: p\n      metrics: [{type: a/b}]\n",
     "test.yml:5:7: field project not found in type config.GCPCloudConfig"},
    {"gcp name missing",
     "cloud_configs:\n  gcp:\n    - project_ids: [p]\n      metrics: [{type: a/b}]\n",
     "test.yml:3:7: gcp cloud config needs a name"},
    {"gcp projects missing",
     "cloud_configs:\n  gcp:\n    - name: g\n      metrics: [{type: a/b}]\n",
     "test.yml:3:7: gcp cloud config \"g\" needs at least one project id"},
    {"gcp metrics missing", GCP_HEAD,
     "test.yml:3:7: gcp cloud config \"g\" needs at least one metric query"},
    {"neither type nor prefix", GCP_HEAD "      metrics: [{filter: x}]\n",
     "test.yml:5:17: metric query needs exactly one of type and type_prefix"},
    {"both type and prefix", GCP_HEAD "      metrics: [{type: a/b, type_prefix: a/}]\n",
     "test.yml:5:17: metric query needs exactly one of type and type_prefix"},
    {"type with a quote", GCP_HEAD "      metrics: [{type: 'a/b\"'}]\n",
     "test.yml:5:17: metric type \"a/b\\\"\" holds a quote, backslash or space"},
    {"bad aligner", GCP_HEAD "      metrics: [{type: a/b, aligner: MEAN}]\n",
     "test.yml:5:38: unknown aligner \"MEAN\": want an Aggregation.Aligner"},
    {"bad reducer", GCP_HEAD "      metrics: [{type: a/b, aligner: ALIGN_MEAN, reducer: MEAN}]\n",
     "test.yml:5:59: unknown reducer \"MEAN\": want an Aggregation.Reducer"},
    {"reducer without aligner", GCP_HEAD "      metrics: [{type: a/b, reducer: REDUCE_SUM}]\n",
     "test.yml:5:17: metric \"a/b\": reducer REDUCE_SUM needs an aligner other than ALIGN_NONE"},
    {"group by without reducer", GCP_HEAD "      metrics: [{type: a/b, group_by_fields: [x]}]\n",
     "test.yml:5:17: metric \"a/b\": group_by_fields needs a reducer other than REDUCE_NONE"},
    {"alignment period too short",
     GCP_HEAD "      metrics: [{type: a/b, aligner: ALIGN_MEAN, alignment_period: 30s}]\n",
     "test.yml:5:68: metric \"a/b\": alignment_period must be whole seconds and at least 60s, got "
     "30s"},
    {"poll interval too short to align on",
     GCP_HEAD "      poll_interval: 30s\n      metrics: [{type: a/b, aligner: ALIGN_RATE}]\n",
     "test.yml:6:17: gcp cloud config \"g\": metric with aligner ALIGN_RATE aligns on "
     "poll_interval 30s"},
    {"gcp bad token_uri", GCP_HEAD "      token_uri: /token\n      metrics: [{type: a/b}]\n",
     "test.yml:5:18: token_uri \"/token\" must be an http or https URL"},
    {"gcp lookback zero", GCP_HEAD "      lookback: 0s\n      metrics: [{type: a/b}]\n",
     "test.yml:5:17: lookback must be greater than 0"},
};

INSTANTIATE_TEST_SUITE_P(All, CloudConfigErrorTest, ::testing::ValuesIn(kErrors),
                         [](const ::testing::TestParamInfo<ErrorCase>& info) {
                           std::string name;
                           for (char ch : std::string(info.param.what)) {
                             name += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
                           }
                           return name;
                         });

TEST(CloudConfigTest, SecretsNeverAppearInErrors) {
  std::string err = LoadError(AWS_HEAD
                              "      credentials:\n"
                              "        secret_access_key: hunter2-very-secret\n" AWS_JOB);
  EXPECT_THAT(err, HasSubstr("access_key_id and secret_access_key must be given together"));
  EXPECT_THAT(err, Not(HasSubstr("hunter2")));
}

// ---- helpers -------------------------------------------------------------------------

TEST(CloudConfigHelpersTest, Iso8601DurationsAsAzureWritesThem) {
  EXPECT_EQ(ParseIso8601DurationMs("PT1M"), 60'000);
  EXPECT_EQ(ParseIso8601DurationMs("PT5M"), 300'000);
  EXPECT_EQ(ParseIso8601DurationMs("PT1H"), 3'600'000);
  EXPECT_EQ(ParseIso8601DurationMs("P1D"), 86'400'000);
  EXPECT_EQ(ParseIso8601DurationMs("P1DT12H"), 129'600'000);
  EXPECT_EQ(ParseIso8601DurationMs("PT1H30M15S"), 5'415'000);
  EXPECT_EQ(ParseIso8601DurationMs("PT0.5S"), 500);
  EXPECT_EQ(ParseIso8601DurationMs("P1W"), 7 * 86'400'000LL);
  for (const char* bad : {"", "P", "PT", "1M", "PT1", "P1M", "P1Y", "PTM", "PT1M1H", "PT1.5M1S",
                          "P1DT", "PT1H1H", "PT-1M", "FULL"}) {
    EXPECT_EQ(ParseIso8601DurationMs(bad), std::nullopt) << bad;
  }
}

TEST(CloudConfigHelpersTest, Iso8601FormattingIsTheShortestForm) {
  EXPECT_EQ(FormatIso8601Duration(60'000), "PT1M");
  EXPECT_EQ(FormatIso8601Duration(3'600'000), "PT1H");
  EXPECT_EQ(FormatIso8601Duration(86'400'000), "P1D");
  EXPECT_EQ(FormatIso8601Duration(5'400'000), "PT1H30M");
  EXPECT_EQ(FormatIso8601Duration(1'500), "PT1.5S");
  EXPECT_EQ(FormatIso8601Duration(0), "PT0S");
}

TEST(CloudConfigHelpersTest, AwsStatisticsAndPeriods) {
  for (const char* ok : {"Sum", "Average", "Maximum", "Minimum", "SampleCount", "p99", "p99.9",
                         "p50", "p0", "p100", "p99.99"}) {
    EXPECT_TRUE(IsValidAwsStatistic(ok)) << ok;
  }
  for (const char* bad :
       {"", "sum", "Avg", "p", "p101", "p100.1", "p9x", "p.5", "p99.", "P99", "tm99"}) {
    EXPECT_FALSE(IsValidAwsStatistic(bad)) << bad;
  }
  for (int64_t ok : {1'000, 5'000, 10'000, 20'000, 30'000, 60'000, 300'000, 3'600'000}) {
    EXPECT_TRUE(IsValidAwsPeriod(ok)) << ok;
  }
  for (int64_t bad : {0, -60'000, 2'000, 45'000, 90'000, 60'001}) {
    EXPECT_FALSE(IsValidAwsPeriod(bad)) << bad;
  }
}

TEST(CloudConfigHelpersTest, GcpEnumsAndAzureAggregations) {
  EXPECT_TRUE(IsGcpAligner("ALIGN_MEAN"));
  EXPECT_TRUE(IsGcpAligner("ALIGN_PERCENTILE_99"));
  EXPECT_FALSE(IsGcpAligner("align_mean"));
  EXPECT_TRUE(IsGcpReducer("REDUCE_NONE"));
  EXPECT_FALSE(IsGcpReducer("REDUCE_AVG"));
  EXPECT_TRUE(IsAzureAggregation("total"));
  EXPECT_FALSE(IsAzureAggregation("Total"));
  EXPECT_TRUE(IsAzureTimeGrain(12 * 3'600'000));
  EXPECT_FALSE(IsAzureTimeGrain(2 * 60'000));
}

}  // namespace
}  // namespace vigil::config
