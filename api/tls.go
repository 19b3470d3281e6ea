package api

import (
	"crypto/tls"
	"fmt"
)

// LoadTLS reads the certificate (chain) and key the API serves HTTPS with
// (server.tls_cert and server.tls_key). Over TLS the session cookie is
// Secure, so a browser never sends it in the clear.
func LoadTLS(certFile, keyFile string) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("server.tls_cert %s, server.tls_key %s: %w", certFile, keyFile, err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}
