// The default CollectorFactory: the providers compiled into this build
// (CMake defines VIGIL_HAVE_<PROVIDER> for each provider library present).
#include <fmt/format.h>

#include "collect/cloud/manager/cloud_manager.h"

#if defined(VIGIL_HAVE_AWS) && __has_include("collect/cloud/aws/collector.h")
#include "collect/cloud/aws/collector.h"
#define VIGIL_CLOUD_AWS_FACTORY 1
#endif
#if defined(VIGIL_HAVE_AZURE) && __has_include("collect/cloud/azure/collector.h")
#include "collect/cloud/azure/collector.h"
#define VIGIL_CLOUD_AZURE_FACTORY 1
#endif
#if defined(VIGIL_HAVE_GCP) && __has_include("collect/cloud/gcp/collector.h")
#include "collect/cloud/gcp/collector.h"
#define VIGIL_CLOUD_GCP_FACTORY 1
#endif

namespace vigil::cloud {

Result<std::unique_ptr<Collector>> DefaultCollectorFactory(const CloudEntry& entry,
                                                           metrics::Registry* registry) {
  if (const auto* aws = std::get_if<config::AWSCloudConfig>(&entry.config)) {
#ifdef VIGIL_CLOUD_AWS_FACTORY
    return ::vigil::aws::NewAwsCollector(*aws, registry, nullptr);
#else
    (void)aws;
#endif
  } else if (const auto* azure = std::get_if<config::AzureCloudConfig>(&entry.config)) {
#ifdef VIGIL_CLOUD_AZURE_FACTORY
    return ::vigil::cloud::NewAzureCollector(*azure, registry);
#else
    (void)azure;
#endif
  } else if (const auto* gcp = std::get_if<config::GCPCloudConfig>(&entry.config)) {
#ifdef VIGIL_CLOUD_GCP_FACTORY
    return ::vigil::gcp::NewGcpCollector(*gcp, registry);
#else
    (void)gcp;
#endif
  }
  (void)registry;
  return Status::FailedPrecondition(
      fmt::format("the {} collector is not compiled into this build", entry.provider));
}

std::vector<std::string> CompiledInProviders() {
  std::vector<std::string> out;
#ifdef VIGIL_CLOUD_AWS_FACTORY
  out.push_back("aws");
#endif
#ifdef VIGIL_CLOUD_AZURE_FACTORY
  out.push_back("azure");
#endif
#ifdef VIGIL_CLOUD_GCP_FACTORY
  out.push_back("gcp");
#endif
  return out;
}

}  // namespace vigil::cloud
