// Package tlstest makes certificates for tests, at test time: a CA, a
// server certificate for 127.0.0.1, ::1 and localhost, and a client
// certificate, as PEM files in a temporary directory. The unit tests of
// package server and the process tests of the binary share it.
package tlstest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// PKI is a test CA with the certificates it issued.
type PKI struct {
	Dir                   string         // where the files are
	CA                    string         // the CA certificate file
	Cert, Key             string         // the server's certificate and key files
	ClientCert, ClientKey string         // the client's
	Pool                  *x509.CertPool // trusts the CA
	Client                tls.Certificate
	ServerSerial          *big.Int // the serial number of the server certificate now in Cert

	caCert *x509.Certificate
	caKey  *ecdsa.PrivateKey
}

// New generates the CA, a server and a client certificate into a
// temporary directory of t.
func New(t testing.TB) *PKI {
	t.Helper()
	p := &PKI{Dir: t.TempDir(), Pool: x509.NewCertPool()}
	var der []byte
	p.caKey, der = sign(t, &x509.Certificate{
		Subject: pkix.Name{CommonName: "gocorn test CA"}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign,
	}, nil, nil)
	var err error
	if p.caCert, err = x509.ParseCertificate(der); err != nil {
		t.Fatal(err)
	}
	p.Pool.AddCert(p.caCert)
	p.CA = WritePEM(t, p.Dir, "ca.pem", "CERTIFICATE", der)
	p.Cert, p.Key = filepath.Join(p.Dir, "server.pem"), filepath.Join(p.Dir, "server.key")
	p.IssueServer(t)

	key, der := sign(t, &x509.Certificate{
		Subject: pkix.Name{CommonName: "client"}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}, p.caCert, p.caKey)
	p.ClientCert = WritePEM(t, p.Dir, "client.pem", "CERTIFICATE", der)
	p.ClientKey = WriteKey(t, p.Dir, "client.key", key)
	if p.Client, err = tls.LoadX509KeyPair(p.ClientCert, p.ClientKey); err != nil {
		t.Fatal(err)
	}
	return p
}

// IssueServer writes a new server certificate and key over Cert and Key,
// as a certificate renewal does.
func (p *PKI) IssueServer(t testing.TB) {
	t.Helper()
	key, der := sign(t, &x509.Certificate{
		Subject: pkix.Name{CommonName: "localhost"}, DNSNames: []string{"localhost"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}, p.caCert, p.caKey)
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	p.ServerSerial = cert.SerialNumber
	WriteKey(t, p.Dir, filepath.Base(p.Key), key)
	WritePEM(t, p.Dir, filepath.Base(p.Cert), "CERTIFICATE", der)
}

// ClientConfig trusts the CA and presents certs.
func (p *PKI) ClientConfig(certs ...tls.Certificate) *tls.Config {
	return &tls.Config{RootCAs: p.Pool, Certificates: certs}
}

// sign makes a key and signs tmpl with parent's key (itself when parent
// is nil).
func sign(t testing.TB, tmpl, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) (*ecdsa.PrivateKey, []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl.SerialNumber, _ = rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl.NotBefore, tmpl.NotAfter = time.Now().Add(-time.Hour), time.Now().Add(24*time.Hour)
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	return key, der
}

// WritePEM writes der as one PEM block of type typ to dir/name.
func WritePEM(t testing.TB, dir, name, typ string, der []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// WriteKey writes key as a PKCS #8 PEM file dir/name.
func WriteKey(t testing.TB, dir, name string, key *ecdsa.PrivateKey) string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return WritePEM(t, dir, name, "PRIVATE KEY", der)
}
