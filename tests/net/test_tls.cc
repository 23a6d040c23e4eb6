#include "net/test_tls.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <cstdlib>

#include "testing/test_env.h"

namespace hearth::net::testing {
namespace {

void Require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "test CA: %s failed\n", what);
    std::abort();
  }
}

EVP_PKEY* NewKey() {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  Require(key != nullptr, "EVP_EC_gen");
  return key;
}

void AddExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  Require(ext != nullptr, "X509V3_EXT_conf_nid");
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

X509* NewCert(EVP_PKEY* key, const std::string& cn, X509* issuer, EVP_PKEY* issuer_key,
              long serial) {
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 24 * 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert, issuer != nullptr ? X509_get_subject_name(issuer) : name);
  (void)issuer_key;
  return cert;
}

}  // namespace

TestCa::TestCa() {
  key_ = NewKey();
  cert_ = NewCert(key_, "hearth test CA", nullptr, nullptr, 1);
  AddExtension(cert_, cert_, NID_basic_constraints, "critical,CA:TRUE");
  AddExtension(cert_, cert_, NID_key_usage, "critical,keyCertSign,cRLSign");
  AddExtension(cert_, cert_, NID_subject_key_identifier, "hash");
  Require(X509_sign(cert_, key_, EVP_sha256()) > 0, "X509_sign (CA)");
  ca_file_ = hearth::testing::TempDir() + "/ca.pem";
  FILE* f = std::fopen(ca_file_.c_str(), "w");
  Require(f != nullptr, "fopen ca.pem");
  PEM_write_X509(f, cert_);
  std::fclose(f);
}

TestCa::~TestCa() {
  for (SSL_CTX* c : contexts_) SSL_CTX_free(c);
  X509_free(cert_);
  EVP_PKEY_free(key_);
}

SSL_CTX* TestCa::ServerContext(const std::vector<std::string>& dns,
                               const std::vector<std::string>& ips) {
  EVP_PKEY* key = NewKey();
  X509* cert = NewCert(key, dns.empty() ? "server" : dns.front(), cert_, key_,
                       static_cast<long>(contexts_.size()) + 2);
  std::string san;
  for (const auto& d : dns) san += (san.empty() ? "" : ",") + std::string("DNS:") + d;
  for (const auto& i : ips) san += (san.empty() ? "" : ",") + std::string("IP:") + i;
  AddExtension(cert, cert_, NID_subject_alt_name, san);
  AddExtension(cert, cert_, NID_basic_constraints, "CA:FALSE");
  AddExtension(cert, cert_, NID_ext_key_usage, "serverAuth");
  AddExtension(cert, cert_, NID_authority_key_identifier, "keyid");
  Require(X509_sign(cert, key_, EVP_sha256()) > 0, "X509_sign (server)");
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  Require(ctx != nullptr, "SSL_CTX_new");
  Require(SSL_CTX_use_certificate(ctx, cert) == 1, "SSL_CTX_use_certificate");
  Require(SSL_CTX_use_PrivateKey(ctx, key) == 1, "SSL_CTX_use_PrivateKey");
  X509_free(cert);
  EVP_PKEY_free(key);
  contexts_.push_back(ctx);
  return ctx;
}

}  // namespace hearth::net::testing
