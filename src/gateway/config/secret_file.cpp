#include "gateway/config/secret_file.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace dlmsgw::gateway {

Expected<std::filesystem::path> secret_path(
    const std::string& written, const std::string& file,
    const std::optional<std::string>& credentials_directory) {
  if (written.rfind(kCredentialsDirectory, 0) == 0) {
    const auto name = written.substr(kCredentialsDirectory.size());
    if (!credentials_directory || credentials_directory->empty()) {
      return make_error(ErrorCode::invalid_argument,
                        written +
                            ": CREDENTIALS_DIRECTORY is not set (systemd sets it for a unit with "
                            "LoadCredential=" +
                            name +
                            ":/path; to check the files outside the service, run with "
                            "CREDENTIALS_DIRECTORY=<the directory holding " +
                            name + ">)");
    }
    return std::filesystem::path(*credentials_directory) / name;
  }
  std::filesystem::path path(written);
  if (path.is_relative()) {
    const auto dir = std::filesystem::path(file).parent_path();
    if (!dir.empty()) path = dir / path;
  }
  return path;
}

std::optional<std::string> secret_mode_problem(const std::filesystem::path& path,
                                               const std::string& what) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return std::nullopt;
  if ((info.st_mode & S_IROTH) == 0) return std::nullopt;
  return what + " file " + path.string() +
         " is readable by every user (protect it with: chmod o-rwx " + path.string() +
         "; secret files are 0600 owned by the service user or 0640 root:dlmsgw)";
}

Expected<std::string> read_secret_file(const std::filesystem::path& path, const std::string& what) {
  const auto fail = [&](const std::string& problem) {
    return make_error(ErrorCode::invalid_argument, what + " file " + path.string() + " " + problem);
  };
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    return fail(std::string("cannot be read: ") + std::strerror(errno) +
                " (a relative path is relative to the file that names it)");
  }
  if (auto problem = secret_mode_problem(path, what)) {
    return make_error(ErrorCode::invalid_argument, *problem);
  }
  std::ifstream in(path);
  if (!in) return fail(std::string("cannot be read: ") + std::strerror(errno));
  std::stringstream content;
  content << in.rdbuf();
  auto secret = content.str();
  if (!secret.empty() && secret.back() == '\n') secret.pop_back();
  if (!secret.empty() && secret.back() == '\r') secret.pop_back();
  if (secret.empty()) return fail("is empty");
  return secret;
}

}  // namespace dlmsgw::gateway
