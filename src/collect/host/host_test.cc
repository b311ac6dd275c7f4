#include "collect/host/host.h"

#include <gtest/gtest.h>
#include <sys/vfs.h>

#include <chrono>
#include <map>
#include <set>

#include "base/file.h"
#include "base/strconv.h"

namespace vigil::host {
namespace {

const std::string kTestdata = VIGIL_HOST_TESTDATA;

Options FixtureOptions() {
  Options o;
  o.proc_path = kTestdata + "/proc";
  o.sys_path = kTestdata + "/sys";
  o.rootfs_path = kTestdata + "/rootfs";
  o.udev_data_path = kTestdata + "/udev";
  o.now_nanos = [] { return int64_t{1700000000123456789}; };
  return o;
}

std::string CollectPage(const Options& o) {
  auto c = Collector::New(o);
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  if (!c.ok()) return "";
  std::string page;
  Status s = (*c)->Collect(&page);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return page;
}

// The lines of `block` must appear in the page, contiguous and in order.
void ExpectBlock(const std::string& page, const std::string& block) {
  EXPECT_NE(page.find(block), std::string::npos) << "missing block:\n" << block;
}

void ExpectNoLineStartingWith(const std::string& page, const std::string& prefix) {
  EXPECT_EQ(page.find("\n" + prefix), std::string::npos) << prefix;
}

TEST(HostCollectorTest, CpuSecondsAreUserHzTicksOverOneHundredPerCpuAndMode) {
  std::string page = CollectPage(FixtureOptions());
  ExpectBlock(page,
              "# HELP node_cpu_seconds_total Seconds the CPUs spent in each mode.\n"
              "# TYPE node_cpu_seconds_total counter\n"
              "node_cpu_seconds_total{cpu=\"0\",mode=\"user\"} 20580.4\n"
              "node_cpu_seconds_total{cpu=\"0\",mode=\"nice\"} 1365.79\n"
              "node_cpu_seconds_total{cpu=\"0\",mode=\"system\"} 2295.87\n"
              "node_cpu_seconds_total{cpu=\"0\",mode=\"idle\"} 9894.97\n"
              "node_cpu_seconds_total{cpu=\"0\",mode=\"iowait\"} 64.67\n"
              "node_cpu_seconds_total{cpu=\"0\",mode=\"irq\"} 0\n"
              "node_cpu_seconds_total{cpu=\"0\",mode=\"softirq\"} 19.44\n"
              "node_cpu_seconds_total{cpu=\"0\",mode=\"steal\"} 33.27\n"
              "node_cpu_seconds_total{cpu=\"1\",mode=\"user\"} 20793.97\n");
  ExpectBlock(page,
              "# HELP node_cpu_guest_seconds_total Seconds the CPUs spent in guests (VMs) for each "
              "mode.\n"
              "# TYPE node_cpu_guest_seconds_total counter\n"
              "node_cpu_guest_seconds_total{cpu=\"0\",mode=\"nice\"} 0.03\n"
              "node_cpu_guest_seconds_total{cpu=\"0\",mode=\"user\"} 0.12\n");
  // The aggregate "cpu" line is not a CPU.
  EXPECT_EQ(page.find("cpu=\"\""), std::string::npos);
}

TEST(HostCollectorTest, CpuCounterThatGoesBackHoldsItsValueUntilIdleJumpsBackOverThreeSeconds) {
  fs::TempDir dir("vigil-host");
  ASSERT_TRUE(fs::CreateDirs(dir.Join("proc")).ok());
  Options o;
  o.proc_path = dir.Join("proc");
  o.sys_path = dir.Join("sys");
  auto c = Collector::New(o);
  ASSERT_TRUE(c.ok());
  auto collect = [&](const char* stat) {
    EXPECT_TRUE(fs::WriteFileAtomic(dir.Join("proc/stat"), stat).ok());
    std::string page;
    EXPECT_TRUE((*c)->Collect(&page).ok());
    return page;
  };
  collect("cpu0 1000 0 0 50000 0 0 0 0 0 0\n");
  // user went back by 1 tick; idle moved on: user stays at 10.
  std::string page = collect("cpu0 999 0 0 50010 0 0 0 0 0 0\n");
  ExpectBlock(page, "node_cpu_seconds_total{cpu=\"0\",mode=\"user\"} 10\n");
  ExpectBlock(page, "node_cpu_seconds_total{cpu=\"0\",mode=\"idle\"} 500.1\n");
  // idle back by 5 s: a hot-plugged CPU, so its counters start afresh.
  page = collect("cpu0 5 0 0 49500 0 0 0 0 0 0\n");
  ExpectBlock(page, "node_cpu_seconds_total{cpu=\"0\",mode=\"user\"} 0.05\n");
  ExpectBlock(page, "node_cpu_seconds_total{cpu=\"0\",mode=\"idle\"} 495\n");
}

TEST(HostCollectorTest, MeminfoNamesAsNodeExporterDerivesThemWithKilobytesAsBytes) {
  std::string page = CollectPage(FixtureOptions());
  ExpectBlock(page,
              "# HELP node_memory_MemAvailable_bytes Memory information field "
              "MemAvailable_bytes.\n"
              "# TYPE node_memory_MemAvailable_bytes gauge\n"
              "node_memory_MemAvailable_bytes 2.4769376256e+10\n");
  ExpectBlock(page,
              "# HELP node_memory_Active_anon_bytes Memory information field Active_anon_bytes.\n"
              "# TYPE node_memory_Active_anon_bytes gauge\n"
              "node_memory_Active_anon_bytes 1.581056e+06\n");
  ExpectBlock(page, "node_memory_Inactive_file_bytes 2.61103616e+08\n");
  ExpectBlock(page,
              "# HELP node_memory_HugePages_Total Memory information field HugePages_Total.\n"
              "# TYPE node_memory_HugePages_Total gauge\n"
              "node_memory_HugePages_Total 0\n");
  ExpectBlock(page, "node_memory_HugePages_Free 7\n");
  ExpectBlock(page, "node_memory_Hugepagesize_bytes 2.097152e+06\n");
}

TEST(HostCollectorTest, LoadStatFilefdVmstatAndEntropyFromTheirFiles) {
  std::string page = CollectPage(FixtureOptions());
  ExpectBlock(page,
              "# HELP node_load1 1m load average.\n# TYPE node_load1 gauge\nnode_load1 0.45\n"
              "# HELP node_load5 5m load average.\n# TYPE node_load5 gauge\nnode_load5 1.16\n"
              "# HELP node_load15 15m load average.\n# TYPE node_load15 gauge\n"
              "node_load15 1.92\n");
  ExpectBlock(page,
              "# HELP node_intr_total Total number of interrupts serviced.\n"
              "# TYPE node_intr_total counter\n"
              "node_intr_total 3.2441726e+07\n"
              "# HELP node_context_switches_total Total number of context switches.\n"
              "# TYPE node_context_switches_total counter\n"
              "node_context_switches_total 5.0901458e+07\n"
              "# HELP node_forks_total Total number of forks.\n"
              "# TYPE node_forks_total counter\n"
              "node_forks_total 294676\n"
              "# HELP node_boot_time_seconds Node boot time, in unixtime.\n"
              "# TYPE node_boot_time_seconds gauge\n"
              "node_boot_time_seconds 1.79610272e+09\n"
              "# HELP node_procs_running Number of processes in runnable state.\n"
              "# TYPE node_procs_running gauge\n"
              "node_procs_running 3\n"
              "# HELP node_procs_blocked Number of processes blocked waiting for I/O to complete.\n"
              "# TYPE node_procs_blocked gauge\n"
              "node_procs_blocked 1\n");
  ExpectBlock(page,
              "# HELP node_filefd_allocated File descriptor statistics: allocated.\n"
              "# TYPE node_filefd_allocated gauge\n"
              "node_filefd_allocated 486\n"
              "# HELP node_filefd_maximum File descriptor statistics: maximum.\n"
              "# TYPE node_filefd_maximum gauge\n"
              "node_filefd_maximum 2.46617e+06\n");
  ExpectBlock(page,
              "# HELP node_vmstat_pgfault /proc/vmstat information field pgfault.\n"
              "# TYPE node_vmstat_pgfault untyped\n"
              "node_vmstat_pgfault 1.020870435e+09\n");
  ExpectBlock(page, "node_vmstat_oom_kill 2\n");
  // Only the default fields: oom_kill, pgpg*, pswp*, pg*fault.
  ExpectNoLineStartingWith(page, "node_vmstat_nr_free_pages");
  ExpectNoLineStartingWith(page, "node_vmstat_pgfree");
  ExpectBlock(page, "node_entropy_available_bits 256\n");
}

TEST(HostCollectorTest, DiskstatsExcludesPartitionsAndLoopsAndScalesSectorsAndMilliseconds) {
  std::string page = CollectPage(FixtureOptions());
  ExpectBlock(page,
              "# HELP node_disk_info Info of /sys/block/<block_device>.\n"
              "# TYPE node_disk_info gauge\n"
              "node_disk_info{device=\"sda\",major=\"8\",minor=\"0\",model=\"Samsung_SSD\","
              "path=\"pci-0000:00:17.0-ata-1\",revision=\"1B6Q\",serial=\"S123\","
              "wwn=\"0x5002538\"} 1\n"
              "node_disk_info{device=\"dm-0\",major=\"253\",minor=\"0\",model=\"\",path=\"\","
              "revision=\"\",serial=\"\",wwn=\"\"} 1\n");
  ExpectBlock(page,
              "# HELP node_disk_read_bytes_total The total number of bytes read successfully.\n"
              "# TYPE node_disk_read_bytes_total counter\n"
              "node_disk_read_bytes_total{device=\"sda\"} 2.0270191616e+10\n"
              "node_disk_read_bytes_total{device=\"dm-0\"} 409600\n");
  ExpectBlock(page,
              "node_disk_write_time_seconds_total{device=\"sda\"} 1704.6380000000001\n"
              "node_disk_write_time_seconds_total{device=\"dm-0\"} 0.009000000000000001\n");
  ExpectBlock(page,
              "# HELP node_disk_io_now The number of I/Os currently in progress.\n"
              "# TYPE node_disk_io_now gauge\n"
              "node_disk_io_now{device=\"sda\"} 2\n");
  ExpectBlock(page, "node_disk_io_time_weighted_seconds_total{device=\"sda\"} 6104.599\n");
  // dm-0 has the 11 fields of old kernels: no discard or flush series for it.
  ExpectBlock(page,
              "# TYPE node_disk_discards_completed_total counter\n"
              "node_disk_discards_completed_total{device=\"sda\"} 3.430591e+06\n"
              "# HELP");
  ExpectBlock(page,
              "# HELP node_disk_flush_requests_time_seconds_total This is the total number of "
              "seconds spent by all flush requests.\n"
              "# TYPE node_disk_flush_requests_time_seconds_total counter\n"
              "node_disk_flush_requests_time_seconds_total{device=\"sda\"} 11.944\n");
  ExpectBlock(page,
              "node_disk_filesystem_info{device=\"sda\",type=\"ext4\",usage=\"filesystem\","
              "uuid=\"abcd\",version=\"1.0\"} 1\n");
  ExpectBlock(page, "node_disk_ata_rotation_rate_rpm{device=\"sda\"} 0\n");
  EXPECT_EQ(page.find("device=\"sda1\""), std::string::npos);
  EXPECT_EQ(page.find("device=\"loop0\""), std::string::npos);
}

TEST(HostCollectorTest, FilesystemReadsInitMountsAppliesExcludesAndFlagsStatfsErrors) {
  Options o = FixtureOptions();
  std::string page = CollectPage(o);
  struct statfs st;
  ASSERT_EQ(::statfs((o.rootfs_path + "/").c_str(), &st), 0);
  std::string size;
  AppendGoFloat(&size, static_cast<double>(st.f_blocks) * static_cast<double>(st.f_bsize), 'g');
  std::string files;
  AppendGoFloat(&files, static_cast<double>(st.f_files), 'g');
  ExpectBlock(page,
              "# HELP node_filesystem_device_error Whether an error occurred while getting "
              "statistics for the given device.\n"
              "# TYPE node_filesystem_device_error gauge\n"
              "node_filesystem_device_error{device=\"/dev/root\",fstype=\"ext4\",mountpoint=\"/\"} "
              "0\n"
              "node_filesystem_device_error{device=\"tmpfs\",fstype=\"tmpfs\",mountpoint=\"/run\"} "
              "1\n"
              "node_filesystem_device_error{device=\"/dev/sdb1\",fstype=\"ext4\",mountpoint=\"/mnt/"
              "with space\"} 0\n"
              "node_filesystem_device_error{device=\"/dev/sdc1\",fstype=\"xfs\",mountpoint=\"/does/"
              "not/exist\"} 1\n"
              "node_filesystem_device_error{device=\"server:/export\",fstype=\"nfs4\","
              "mountpoint=\"/mnt/nfs\"} 0\n"
              "# HELP node_filesystem_readonly Filesystem read-only status.\n");
  // A network filesystem is sized on a helper thread: same figures.
  ExpectBlock(page,
              "node_filesystem_size_bytes{device=\"server:/export\",fstype=\"nfs4\","
              "mountpoint=\"/mnt/nfs\"} " +
                  size + "\n");
  ExpectBlock(page,
              "node_filesystem_readonly{device=\"/dev/sdb1\",fstype=\"ext4\",mountpoint=\"/mnt/"
              "with space\"} 1\n");
  ExpectBlock(page,
              "# HELP node_filesystem_size_bytes Filesystem size in bytes.\n"
              "# TYPE node_filesystem_size_bytes gauge\n"
              "node_filesystem_size_bytes{device=\"/dev/root\",fstype=\"ext4\",mountpoint=\"/\"} " +
                  size + "\n");
  ExpectBlock(page,
              "node_filesystem_files{device=\"/dev/root\",fstype=\"ext4\",mountpoint=\"/\"} " +
                  files + "\n");
  // Excluded by mount point (/proc, /sys), by type (overlay), and the second
  // "/dev/root /" is the same filesystem; /proc/mounts is not read at all.
  EXPECT_EQ(page.find("mountpoint=\"/proc\""), std::string::npos);
  EXPECT_EQ(page.find("mountpoint=\"/sys\""), std::string::npos);
  EXPECT_EQ(page.find("overlay"), std::string::npos);
  EXPECT_EQ(page.find("/wrong"), std::string::npos);
  size_t first = page.find("node_filesystem_size_bytes{device=\"/dev/root\"");
  EXPECT_EQ(page.find("node_filesystem_size_bytes{device=\"/dev/root\"", first + 1),
            std::string::npos);
  // No size for a mount that statfs could not read.
  EXPECT_EQ(page.find("node_filesystem_size_bytes{device=\"/dev/sdc1\""), std::string::npos);
}

TEST(HostCollectorTest, NetdevHasEveryProcNetDevColumnAndNohandlerFromSysfs) {
  std::string page = CollectPage(FixtureOptions());
  ExpectBlock(page,
              "# HELP node_network_receive_bytes_total Network device statistic receive_bytes.\n"
              "# TYPE node_network_receive_bytes_total counter\n"
              "node_network_receive_bytes_total{device=\"lo\"} 5.7864893234e+10\n"
              "node_network_receive_bytes_total{device=\"eth0\"} 8.7051804e+07\n");
  const char* expected[] = {
      "receive_errs_total{device=\"eth0\"} 1",
      "receive_drop_total{device=\"eth0\"} 2",
      "receive_fifo_total{device=\"eth0\"} 3",
      "receive_frame_total{device=\"eth0\"} 4",
      "receive_compressed_total{device=\"eth0\"} 5",
      "receive_multicast_total{device=\"eth0\"} 6",
      "transmit_errs_total{device=\"eth0\"} 7",
      "transmit_drop_total{device=\"eth0\"} 8",
      "transmit_fifo_total{device=\"eth0\"} 9",
      "transmit_colls_total{device=\"eth0\"} 10",
      "transmit_carrier_total{device=\"eth0\"} 11",
      "transmit_compressed_total{device=\"eth0\"} 12",
      "receive_nohandler_total{device=\"eth0\"} 7",
  };
  for (const char* e : expected) ExpectBlock(page, std::string("\nnode_network_") + e + "\n");

  Options o = FixtureOptions();
  o.netdev_device_exclude = "^lo$";
  page = CollectPage(o);
  EXPECT_EQ(page.find("node_network_receive_bytes_total{device=\"lo\"}"), std::string::npos);
  ExpectBlock(page, "node_network_receive_bytes_total{device=\"eth0\"} 8.7051804e+07\n");
}

TEST(HostCollectorTest, NetclassPropertiesFromSysClassNet) {
  std::string page = CollectPage(FixtureOptions());
  ExpectBlock(page,
              "# HELP node_network_up Value is 1 if operstate is 'up', 0 otherwise.\n"
              "# TYPE node_network_up gauge\n"
              "node_network_up{device=\"eth0\"} 1\n"
              "node_network_up{device=\"lo\"} 0\n");
  ExpectBlock(page,
              "node_network_info{address=\"02:fc:00:00:00:01\",broadcast=\"ff:ff:ff:ff:ff:ff\","
              "device=\"eth0\",duplex=\"full\",ifalias=\"\",operstate=\"up\"} 1\n");
  ExpectBlock(page,
              "# HELP node_network_flags Network device property: flags\n"
              "# TYPE node_network_flags gauge\n"
              "node_network_flags{device=\"eth0\"} 4099\n"
              "node_network_flags{device=\"lo\"} 9\n");
  ExpectBlock(page, "node_network_speed_bytes{device=\"eth0\"} 1.25e+08\n");
}

TEST(HostCollectorTest, NetstatExportsOnlyTheDefaultFields) {
  std::string page = CollectPage(FixtureOptions());
  ExpectBlock(page,
              "# HELP node_netstat_TcpExt_ListenDrops Statistic TcpExtListenDrops.\n"
              "# TYPE node_netstat_TcpExt_ListenDrops untyped\n"
              "node_netstat_TcpExt_ListenDrops 4\n");
  ExpectBlock(page, "node_netstat_IpExt_InOctets 5.7951858847e+10\n");
  ExpectBlock(page, "node_netstat_Ip_Forwarding 2\n");
  ExpectBlock(page, "node_netstat_Tcp_CurrEstab 2\n");
  ExpectBlock(page,
              "# HELP node_netstat_Ip6_InOctets Statistic Ip6InOctets.\n"
              "# TYPE node_netstat_Ip6_InOctets untyped\n"
              "node_netstat_Ip6_InOctets 512\n");
  ExpectBlock(page,
              "# HELP node_netstat_UdpLite6_InErrors Statistic UdpLite6InErrors.\n"
              "# TYPE node_netstat_UdpLite6_InErrors untyped\n");
  ExpectNoLineStartingWith(page, "node_netstat_TcpExt_DelayedACKs");
  ExpectNoLineStartingWith(page, "node_netstat_Tcp_MaxConn");
  ExpectNoLineStartingWith(page, "node_netstat_Ip6_InReceives");
  ExpectNoLineStartingWith(page, "node_netstat_Ip_DefaultTTL");
}

TEST(HostCollectorTest, PressureSockstatSoftnetConntrackArpUdpAndOs) {
  std::string page = CollectPage(FixtureOptions());
  ExpectBlock(page,
              "# HELP node_pressure_io_waiting_seconds_total Total time in seconds that processes "
              "have waited due to IO congestion\n"
              "# TYPE node_pressure_io_waiting_seconds_total counter\n"
              "node_pressure_io_waiting_seconds_total 307.97477000000003\n");
  ExpectBlock(page, "node_pressure_cpu_waiting_seconds_total 11561.870403\n");
  ExpectBlock(page,
              "# HELP node_sockstat_TCP_mem_bytes Number of TCP sockets in state mem_bytes.\n"
              "# TYPE node_sockstat_TCP_mem_bytes gauge\n"
              "node_sockstat_TCP_mem_bytes " +
                  std::to_string(130 * ::sysconf(_SC_PAGESIZE)) + "\n");
  ExpectBlock(page, "node_sockstat_sockets_used 14\n");
  ExpectBlock(page, "node_sockstat_TCP6_inuse 3\n");
  ExpectBlock(page,
              "node_softnet_dropped_total{cpu=\"0\"} 0\n"
              "node_softnet_dropped_total{cpu=\"1\"} 16\n");
  ExpectBlock(page, "node_nf_conntrack_entries 5\n");
  ExpectBlock(page, "node_nf_conntrack_stat_search_restart 14\n");
  ExpectBlock(page, "node_arp_entries{device=\"eth0\"} 2\n");
  ExpectBlock(page,
              "node_udp_queues{ip=\"v4\",queue=\"tx\"} 16\n"
              "node_udp_queues{ip=\"v4\",queue=\"rx\"} 512\n");
  ExpectBlock(page, "node_os_version{id=\"debian\",id_like=\"\",name=\"Debian GNU/Linux\"} 12.1\n");
}

TEST(HostCollectorTest, TimeUsesTheClockAndListsClocksources) {
  std::string page = CollectPage(FixtureOptions());
  ExpectBlock(page,
              "# HELP node_time_seconds System time in seconds since epoch (1970).\n"
              "# TYPE node_time_seconds gauge\n"
              "node_time_seconds 1.7000000001234567e+09\n");
  ExpectBlock(page,
              "node_time_clocksource_available_info{clocksource=\"kvm-clock\",device=\"0\"} 1\n"
              "node_time_clocksource_available_info{clocksource=\"tsc\",device=\"0\"} 1\n");
  ExpectBlock(page, "node_time_clocksource_current_info{clocksource=\"tsc\",device=\"0\"} 1\n");
  EXPECT_NE(page.find("\nnode_uname_info{domainname=\""), std::string::npos);
}

TEST(HostCollectorTest, MissingFilesFailTheirCollectorOnlyAndLeaveNoPartialFamilies) {
  fs::TempDir dir("vigil-host");
  Options o;
  o.proc_path = dir.Join("proc");
  o.sys_path = dir.Join("sys");
  o.rootfs_path = dir.path();
  o.udev_data_path = "";
  std::string page = CollectPage(o);
  ExpectBlock(page, "node_scrape_collector_success{collector=\"cpu\"} 0\n");
  ExpectBlock(page, "node_scrape_collector_success{collector=\"meminfo\"} 0\n");
  ExpectBlock(page, "node_scrape_collector_success{collector=\"uname\"} 1\n");
  ExpectBlock(page, "node_scrape_collector_success{collector=\"time\"} 1\n");
  ExpectNoLineStartingWith(page, "node_cpu");
  ExpectNoLineStartingWith(page, "# HELP node_cpu");
  ExpectNoLineStartingWith(page, "node_memory");
  ExpectBlock(page,
              "# HELP node_scrape_collector_duration_seconds node_exporter: Duration of a "
              "collector scrape.\n"
              "# TYPE node_scrape_collector_duration_seconds gauge\n"
              "node_scrape_collector_duration_seconds{collector=\"arp\"} ");
}

TEST(HostCollectorTest, BadPatternOrUnknownCollectorIsRefusedAtNew) {
  Options o = FixtureOptions();
  o.diskstats_device_exclude = "(";
  auto c = Collector::New(o);
  ASSERT_FALSE(c.ok());
  EXPECT_TRUE(c.status().IsInvalidArgument());
  EXPECT_NE(c.status().message().find("diskstats_device_exclude"), std::string::npos);

  o = FixtureOptions();
  o.disabled_collectors = {"nope"};
  EXPECT_FALSE(Collector::New(o).ok());
}

TEST(HostCollectorTest, DisabledCollectorIsAbsentFromThePage) {
  Options o = FixtureOptions();
  o.disabled_collectors = {"netstat", "cpu"};
  std::string page = CollectPage(o);
  ExpectNoLineStartingWith(page, "node_netstat_");
  ExpectNoLineStartingWith(page, "node_cpu_");
  EXPECT_EQ(page.find("collector=\"netstat\""), std::string::npos);
  ExpectBlock(page, "node_scrape_collector_success{collector=\"diskstats\"} 1\n");
}

// Every family once, its samples together after its HELP and TYPE, and no
// series twice: what a scrape of the page needs to accept it.
void ExpectWellFormed(const std::string& page) {
  std::set<std::string> families_done;
  std::set<std::string> series;
  std::string current;
  std::string_view rest = page;
  while (!rest.empty()) {
    size_t nl = rest.find('\n');
    ASSERT_NE(nl, std::string_view::npos) << "page does not end in a newline";
    std::string_view line = rest.substr(0, nl);
    rest.remove_prefix(nl + 1);
    if (line.starts_with("# HELP ")) {
      std::string name(line.substr(7, line.find(' ', 7) - 7));
      EXPECT_TRUE(families_done.insert(name).second) << "family twice: " << name;
      current = name;
      continue;
    }
    if (line.starts_with("# TYPE ")) {
      EXPECT_EQ(line.substr(7, current.size()), current);
      continue;
    }
    std::string name(line.substr(0, line.find_first_of("{ ")));
    EXPECT_EQ(name, current) << line;
    std::string key(line.substr(0, line.rfind(' ')));
    EXPECT_TRUE(series.insert(key).second) << "series twice: " << key;
  }
}

TEST(HostCollectorTest, RealMachinePageHasTheKeyFamiliesAndIsWellFormed) {
  Options o;
  auto c = Collector::New(o);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  std::string page;
  ASSERT_TRUE((*c)->Collect(&page).ok());
  for (const char* family :
       {"node_cpu_seconds_total{", "node_memory_MemTotal_bytes ", "node_memory_MemAvailable_bytes ",
        "node_load1 ", "node_boot_time_seconds ", "node_context_switches_total ",
        "node_time_seconds ", "node_uname_info{", "node_filefd_allocated ",
        "node_network_receive_bytes_total{", "node_filesystem_size_bytes{",
        "node_scrape_collector_success{"}) {
    EXPECT_NE(page.find(std::string("\n") + family), std::string::npos) << family;
  }
  for (const char* name : {"cpu", "meminfo", "loadavg", "stat", "time", "uname", "filefd", "netdev",
                           "filesystem", "vmstat", "diskstats"}) {
    ExpectBlock(page, std::string("node_scrape_collector_success{collector=\"") + name + "\"} 1\n");
  }
  ExpectWellFormed(page);
  // A second Collect on the same collector (cached filters, held CPU values).
  page.clear();
  ASSERT_TRUE((*c)->Collect(&page).ok());
  ExpectWellFormed(page);
}

TEST(HostCollectorTest, FixturePageIsWellFormed) {
  ExpectWellFormed(CollectPage(FixtureOptions()));
}

}  // namespace
}  // namespace vigil::host
