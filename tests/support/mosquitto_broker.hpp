#pragma once
// MosquittoBroker: a real mosquitto (/usr/sbin/mosquitto) started as a child process for tests, on
// 127.0.0.1 and a free port chosen at run time, with its own temporary directory, configuration,
// password file and log. It can be stopped and restarted on the same port to simulate an outage,
// and is killed at destruction. Header-only so that any test executable can use it.
//
// Authentication: `allow_anonymous false` and a password file made with `mosquitto_passwd -b`.
// ThingsBoard takes an access token as the user name with no password, but mosquitto 2.0.11 has
// no user-name-only mode (an entry without a password hash is dropped; an unknown or hash-less user
// is refused), so the token user gets a known password that test clients send along. A wrong token
// is then refused with CONNACK 5 / reason 0x87, just as ThingsBoard refuses an unknown token.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>

#include "support/free_port.hpp"

namespace dlmsgw::test {

class MosquittoBroker {
 public:
  static constexpr const char* binary = "/usr/sbin/mosquitto";

  // mutual_tls: TLS with `require_certificate true`, clients must show a certificate signed by
  // the CA (client_cert_file()/client_key_file()).
  enum class Transport { plain, tls, mutual_tls };

  struct Options {
    // With Transport::tls the broker serves TLS only, with a certificate for 127.0.0.1 signed by a
    // throw-away CA made with openssl (ca_file()), and a second, unrelated CA (other_ca_file()) for
    // tests that expect verification to fail.
    Transport transport = Transport::plain;
    std::string user = "gateway-token";
    std::string password = "tb-test-password";
    // Sessions and queued QoS 1 messages survive stop()/start() (saved on SIGTERM), like a platform
    // that keeps what it acknowledged.
    bool persistent = false;
    // The text of a mosquitto acl_file ("user x", "topic read|write|readwrite <filter>" lines);
    // empty: every topic allowed.
    std::string acl;
    // Any client may connect without credentials (the benchmarks).
    bool anonymous = false;
    // Log errors only: logging every packet would make the broker the bottleneck a benchmark
    // measures. log()/log_count() then see no connection messages.
    bool quiet_log = false;
    // mosquitto's set_tcp_nodelay (off by default: its small PUBACKs then wait for Nagle's
    // algorithm).
    bool tcp_nodelay = false;
  };

  explicit MosquittoBroker(Transport transport = Transport::plain,
                           std::string user = "gateway-token",
                           std::string password = "tb-test-password", bool persistent = false,
                           const std::string& acl = {})
      : MosquittoBroker(Options{transport, std::move(user), std::move(password), persistent, acl}) {
  }

  explicit MosquittoBroker(Options options)
      : user_(std::move(options.user)), password_(std::move(options.password)) {
    char pattern[] = "/tmp/dlmsgw-mosquitto-XXXXXX";
    if (::mkdtemp(pattern) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = pattern;
    port_ = free_loopback_port();
    const auto pwfile = dir_ / "passwd";
    const std::string command = "mosquitto_passwd -c -b '" + pwfile.string() + "' '" + user_ +
                                "' '" + password_ + "' > /dev/null 2>&1";
    if (std::system(command.c_str()) != 0) throw std::runtime_error("mosquitto_passwd failed");
    if (options.transport != Transport::plain) make_certificates();
    if (!options.acl.empty()) std::ofstream(dir_ / "acl") << options.acl;
    std::ofstream conf(dir_ / "mosquitto.conf");
    conf << "listener " << port_ << " 127.0.0.1\n"
         << "allow_anonymous " << (options.anonymous ? "true" : "false") << "\n";
    // Anonymous: no password file either, or a client sending some other user name is refused.
    if (!options.anonymous) conf << "password_file " << pwfile.string() << "\n";
    conf << "persistence " << (options.persistent ? "true" : "false") << "\n"
         << "persistence_location " << dir_.string() << "/\n"
         << "max_queued_messages 0\n"
         << "max_inflight_messages 0\n"
         // Started as root, mosquitto would switch to user "mosquitto", who cannot read our files.
         << "user " << current_user() << "\n"
         << "log_dest file " << (dir_ / "mosquitto.log").string() << "\n";
    if (options.quiet_log) {
      conf << "log_type error\n";
    } else {
      conf << "log_type all\nconnection_messages true\n";
    }
    if (options.tcp_nodelay) conf << "set_tcp_nodelay true\n";
    if (options.transport != Transport::plain) {
      conf << "cafile " << ca_file() << "\n"
           << "certfile " << (dir_ / "server.crt").string() << "\n"
           << "keyfile " << (dir_ / "server.key").string() << "\n";
    }
    if (options.transport == Transport::mutual_tls) conf << "require_certificate true\n";
    if (!options.acl.empty()) conf << "acl_file " << (dir_ / "acl").string() << "\n";
    conf.close();
    if (!start()) throw std::runtime_error("mosquitto did not start; log:\n" + log());
  }

  ~MosquittoBroker() {
    stop();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  MosquittoBroker(const MosquittoBroker&) = delete;
  MosquittoBroker& operator=(const MosquittoBroker&) = delete;

  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] const std::string& user() const { return user_; }
  [[nodiscard]] const std::string& password() const { return password_; }
  [[nodiscard]] bool running() const { return pid_ > 0; }
  [[nodiscard]] pid_t pid() const { return pid_; }
  [[nodiscard]] std::string ca_file() const { return (dir_ / "ca.crt").string(); }
  [[nodiscard]] std::string other_ca_file() const { return (dir_ / "other-ca.crt").string(); }
  // A client certificate signed by ca_file(), and one signed by other_ca_file() (not trusted).
  [[nodiscard]] std::string client_cert_file() const { return (dir_ / "client.crt").string(); }
  [[nodiscard]] std::string client_key_file() const { return (dir_ / "client.key").string(); }
  [[nodiscard]] std::string foreign_cert_file() const { return (dir_ / "foreign.crt").string(); }
  [[nodiscard]] std::string foreign_key_file() const { return (dir_ / "foreign.key").string(); }

  // Starts the broker and waits (up to 10 s) until it accepts TCP connections.
  bool start() {
    if (pid_ > 0) return true;
    const std::string conf = (dir_ / "mosquitto.conf").string();
    // What mosquitto prints before its log file is open goes to a file, not the test's output.
    const std::string console = (dir_ / "console.txt").string();
    const pid_t pid = ::fork();
    if (pid < 0) return false;
    if (pid == 0) {
      const int out = ::open(console.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
      if (out >= 0) {
        ::dup2(out, STDOUT_FILENO);
        ::dup2(out, STDERR_FILENO);
      }
      ::execl(binary, binary, "-c", conf.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    pid_ = pid;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      if (accepts_connections()) return true;
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {  // died: port taken, bad config...
        pid_ = -1;
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    stop();
    return false;
  }

  // SIGTERM, then SIGKILL if it has not exited within 5 s. A paused broker is resumed to act on it.
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    ::kill(pid_, SIGCONT);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    int status = 0;
    while (::waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    pid_ = -1;
  }

  // Lets one more user in (e.g. a device's own access token next to the gateway's), with a
  // password as the constructor's user has. Takes effect at the next reload() or restart().
  void add_user(const std::string& user, const std::string& password) {
    const std::string command = "mosquitto_passwd -b '" + (dir_ / "passwd").string() + "' '" +
                                user + "' '" + password + "' > /dev/null 2>&1";
    if (std::system(command.c_str()) != 0) throw std::runtime_error("mosquitto_passwd failed");
  }

  // SIGHUP: mosquitto reads its password file again (add_user() takes effect) and keeps every
  // client connected, so a subscriber misses nothing.
  bool reload() {
    if (pid_ <= 0) return false;
    return ::kill(pid_, SIGHUP) == 0;
  }

  // SIGSTOP / SIGCONT: a broker that keeps its connections open and answers nothing (no PUBACK,
  // no CONNACK) while the kernel still accepts what clients send, as a hung platform does.
  bool pause() { return pid_ > 0 && ::kill(pid_, SIGSTOP) == 0; }
  bool resume() { return pid_ > 0 && ::kill(pid_, SIGCONT) == 0; }

  bool restart() {
    stop();
    return start();
  }

  [[nodiscard]] std::string log() const {
    std::ifstream in(dir_ / "mosquitto.log");
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  // How often `needle` occurs in the broker's log, e.g. "New connection from".
  [[nodiscard]] std::size_t log_count(const std::string& needle) const {
    const auto text = log();
    std::size_t count = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
      ++count;
    }
    return count;
  }

 private:
  void make_certificates() const {
    const std::string d = dir_.string();
    const std::string ec = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    const std::string script =
        "cd '" + d + "' && ( printf 'subjectAltName=IP:127.0.0.1\\n' > san.ext" +
        " && openssl req -x509 -days 2" + ec + " -keyout ca.key -out ca.crt -subj '/CN=test CA'" +
        " && openssl req -x509 -days 2" + ec +
        " -keyout other-ca.key -out other-ca.crt -subj '/CN=other CA'" + " && openssl req" + ec +
        " -keyout server.key -out server.csr -subj '/CN=127.0.0.1'" +
        " && openssl x509 -req -days 2 -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial" +
        " -extfile san.ext -out server.crt" + " && openssl req" + ec +
        " -keyout client.key -out client.csr -subj '/CN=dlmsgw gateway'" +
        " && openssl x509 -req -days 2 -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial" +
        " -out client.crt" + " && openssl req" + ec +
        " -keyout foreign.key -out foreign.csr -subj '/CN=someone else'" +
        " && openssl x509 -req -days 2 -in foreign.csr -CA other-ca.crt -CAkey other-ca.key" +
        " -CAcreateserial -out foreign.crt ) > openssl.log 2>&1";
    if (std::system(script.c_str()) != 0) throw std::runtime_error("openssl failed in " + d);
  }

  static std::string current_user() {
    const passwd* entry = ::getpwuid(::geteuid());
    if (entry == nullptr) throw std::runtime_error("cannot find the current user's name");
    return entry->pw_name;
  }

  [[nodiscard]] bool accepts_connections() const {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return false;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port_);
    const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return ok;
  }

  std::string user_;
  std::string password_;
  std::filesystem::path dir_;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace dlmsgw::test
