#pragma once
// A throwaway certificate authority made at test time (OpenSSL C API): its PEM file for
// ClientOptions.ca_file and server contexts with leaf certificates for chosen names. Test only.

#include <openssl/ssl.h>

#include <string>
#include <vector>

namespace hearth::net::testing {

class TestCa {
 public:
  TestCa();  // aborts the test binary on an OpenSSL failure
  ~TestCa();
  TestCa(const TestCa&) = delete;
  TestCa& operator=(const TestCa&) = delete;

  // Path of the CA certificate (PEM), removed with the temp dir at exit.
  const std::string& ca_file() const { return ca_file_; }
  // A server SSL_CTX whose certificate (signed by this CA) names `dns` and `ips` in its
  // subjectAltName. Owned by this TestCa.
  SSL_CTX* ServerContext(const std::vector<std::string>& dns, const std::vector<std::string>& ips);

 private:
  EVP_PKEY* key_ = nullptr;
  X509* cert_ = nullptr;
  std::string ca_file_;
  std::vector<SSL_CTX*> contexts_;
};

}  // namespace hearth::net::testing
