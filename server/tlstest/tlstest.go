// Package tlstest makes certificates at run time for tests and
// benchmarks: a CA, a server certificate for 127.0.0.1, ::1 and
// localhost, and a client certificate, as PEM files in a directory. The
// unit tests of package server, the process tests of the binary and
// gocorn-bench's TLS cases share it.
package tlstest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
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
	p, err := Generate(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Generate makes the CA, a server and a client certificate in dir.
func Generate(dir string) (*PKI, error) {
	p := &PKI{Dir: dir, Pool: x509.NewCertPool()}
	var der []byte
	var err error
	p.caKey, der, err = sign(&x509.Certificate{
		Subject: pkix.Name{CommonName: "gocorn test CA"}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign,
	}, nil, nil)
	if err != nil {
		return nil, err
	}
	if p.caCert, err = x509.ParseCertificate(der); err != nil {
		return nil, err
	}
	p.Pool.AddCert(p.caCert)
	if p.CA, err = writePEM(p.Dir, "ca.pem", "CERTIFICATE", der); err != nil {
		return nil, err
	}
	p.Cert, p.Key = filepath.Join(p.Dir, "server.pem"), filepath.Join(p.Dir, "server.key")
	if err := p.issueServer(); err != nil {
		return nil, err
	}
	key, der, err := sign(&x509.Certificate{
		Subject: pkix.Name{CommonName: "client"}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}, p.caCert, p.caKey)
	if err != nil {
		return nil, err
	}
	if p.ClientCert, err = writePEM(p.Dir, "client.pem", "CERTIFICATE", der); err != nil {
		return nil, err
	}
	if p.ClientKey, err = writeKey(p.Dir, "client.key", key); err != nil {
		return nil, err
	}
	if p.Client, err = tls.LoadX509KeyPair(p.ClientCert, p.ClientKey); err != nil {
		return nil, err
	}
	return p, nil
}

// IssueServer writes a new server certificate and key over Cert and Key,
// as a certificate renewal does.
func (p *PKI) IssueServer(t testing.TB) {
	t.Helper()
	if err := p.issueServer(); err != nil {
		t.Fatal(err)
	}
}

func (p *PKI) issueServer() error {
	key, der, err := sign(&x509.Certificate{
		Subject: pkix.Name{CommonName: "localhost"}, DNSNames: []string{"localhost"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}, p.caCert, p.caKey)
	if err != nil {
		return err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return err
	}
	p.ServerSerial = cert.SerialNumber
	if _, err := writeKey(p.Dir, filepath.Base(p.Key), key); err != nil {
		return err
	}
	_, err = writePEM(p.Dir, filepath.Base(p.Cert), "CERTIFICATE", der)
	return err
}

// ClientConfig trusts the CA and presents certs.
func (p *PKI) ClientConfig(certs ...tls.Certificate) *tls.Config {
	return &tls.Config{RootCAs: p.Pool, Certificates: certs}
}

// sign makes a key and signs tmpl with parent's key (itself when parent
// is nil).
func sign(tmpl, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) (*ecdsa.PrivateKey, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	tmpl.SerialNumber, _ = rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl.NotBefore, tmpl.NotAfter = time.Now().Add(-time.Hour), time.Now().Add(24*time.Hour)
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		return nil, nil, fmt.Errorf("tlstest: signing %q: %w", tmpl.Subject.CommonName, err)
	}
	return key, der, nil
}

// writePEM writes der as one PEM block of type typ to dir/name.
func writePEM(dir, name, typ string, der []byte) (string, error) {
	p := filepath.Join(dir, name)
	return p, os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600)
}

// writeKey writes key as a PKCS #8 PEM file dir/name.
func writeKey(dir, name string, key *ecdsa.PrivateKey) (string, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return "", err
	}
	return writePEM(dir, name, "PRIVATE KEY", der)
}
