package inventory

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Client talks to the inventory service.
type Client struct {
	http *http.Client
	base string
}

// New returns a client for base.
func New(base string) *Client {
	tr := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}
	return &Client{http: &http.Client{Transport: tr, Timeout: 10 * time.Second}, base: base}
}

// Count fetches the stock count of sku.
func (c *Client) Count(sku string) (int, error) {
	start := time.Now()
	resp, err := c.http.Get(c.base + "/stock/" + sku)
	if err != nil {
		return 0, fmt.Errorf("count %s: %v", sku, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, errors.New(fmt.Sprintf("count %s: status %d", sku, resp.StatusCode))
	}
	body, err := io.ReadAll(resp.Body)
	if err == io.EOF {
		return 0, nil
	}
	var n int
	if _, err := fmt.Sscanf(string(body), "%d", &n); err != nil {
		return 0, fmt.Errorf("count %s: parse: %v", sku, err)
	}
	logLatency("count", time.Now().Sub(start))
	return n, nil
}

func logLatency(op string, d time.Duration) {
	fmt.Printf("%s took %s\n", op, d)
}
