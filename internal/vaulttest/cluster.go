package vaulttest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"
)

// Cluster is an HA cluster of real Vault servers (not dev mode) on integrated
// storage (raft): one active node, the others standbys that forward requests
// to it. Each test starts its own with StartCluster, since tests kill its nodes.
type Cluster struct {
	Nodes     []string // base URLs of the nodes by index, http://127.0.0.1:<port>
	RootToken string

	nodes     []*clusterNode
	unsealKey string
}

type clusterNode struct {
	cmd     *exec.Cmd
	exited  chan struct{} // closed when the process has exited
	logPath string
	client  *api.Client // root client once initialised; shared, so do not change it
	probe   *api.Client // tokenless, with a short timeout, for sys/ endpoints that need no token
}

// clusterNodeConfig is a node's server config: raft storage joining node 0
// (retryJoin), plaintext HTTP on 127.0.0.1. performance_multiplier 1 makes
// raft notice a dead leader within a second or two instead of Vault's default
// (5, tuned for slow WANs); the autopilot intervals (defaults 10s and 2s) make
// it promote joined nodes to voters soon. Both keep a test short.
const clusterNodeConfig = `storage "raft" {
  path                         = %q
  node_id                      = "node%d"
  performance_multiplier       = 1
  autopilot_reconcile_interval = "1s"
  autopilot_update_interval    = "500ms"
%s}

listener "tcp" {
  address         = "127.0.0.1:%d"
  cluster_address = "127.0.0.1:%d"
  tls_disable     = true
}

api_addr      = "http://127.0.0.1:%d"
cluster_addr  = "https://127.0.0.1:%d"
disable_mlock = true
`

// StartCluster starts n `vault server` processes forming one cluster,
// initialises it through node 0 (one key share), unseals every node and waits
// until node 0 is active and the others are standbys following it. Every node
// is stopped when the test ends; if the test failed, the tail of each node's
// log is logged first.
func StartCluster(t testing.TB, n int) *Cluster {
	t.Helper()
	if n < 1 {
		t.Fatalf("vaulttest.StartCluster: need at least one node, got %d", n)
	}
	bin, err := Binary()
	if err != nil {
		t.Fatalf("vaulttest.StartCluster: %v", err)
	}
	for attempt := 1; ; attempt++ {
		c, err := startCluster(t, bin, n)
		if err == nil {
			return c
		}
		if !errors.Is(err, errPortTaken) || attempt == 3 {
			t.Fatalf("vaulttest.StartCluster: %v", err)
		}
	}
}

func startCluster(t testing.TB, bin string, n int) (*Cluster, error) {
	ports, err := freePortPairs(n)
	if err != nil {
		return nil, err
	}
	dir := t.TempDir() // removed after the cleanup below, which runs first
	c := &Cluster{}
	t.Cleanup(func() {
		c.stop()
		if t.Failed() {
			t.Logf("vaulttest cluster logs:\n%s", c.logTails(40))
		}
	})
	for i, port := range ports {
		nodeDir := filepath.Join(dir, fmt.Sprintf("node%d", i))
		if err := os.MkdirAll(filepath.Join(nodeDir, "raft"), 0o700); err != nil {
			return nil, err
		}
		join := ""
		if i > 0 { // node 0 is initialised, so it never joins anyone
			join = fmt.Sprintf("  retry_join {\n    leader_api_addr = \"http://127.0.0.1:%d\"\n  }\n", ports[0])
		}
		config := fmt.Sprintf(clusterNodeConfig, filepath.Join(nodeDir, "raft"), i, join, port, port+1, port, port+1)
		configPath := filepath.Join(nodeDir, "vault.hcl")
		if err := os.WriteFile(configPath, []byte(config), 0o600); err != nil {
			return nil, err
		}
		node := &clusterNode{logPath: filepath.Join(nodeDir, "vault.log")}
		if node.cmd, node.exited, err = spawn(bin, nodeDir, node.logPath, "server", "-config="+configPath); err != nil {
			return nil, err
		}
		c.nodes = append(c.nodes, node)
		c.Nodes = append(c.Nodes, fmt.Sprintf("http://127.0.0.1:%d", port))
	}
	if err := c.bootstrap(); err != nil {
		c.stop() // frees the ports for a retry
		logs := c.logTails(30)
		if strings.Contains(logs, "address already in use") {
			err = fmt.Errorf("%w: %w", errPortTaken, err)
		}
		return nil, fmt.Errorf("vault cluster on %v: %w\n%s", c.Nodes, err, logs)
	}
	return c, nil
}

// freePortPairs returns n ports p, each with p and p+1 free, none overlapping.
func freePortPairs(n int) ([]int, error) {
	taken := map[int]bool{}
	var ports []int
	for tries := 0; len(ports) < n; tries++ {
		if tries == 20*n {
			return nil, errors.New("no free pairs of adjacent ports on 127.0.0.1")
		}
		p, err := freePortPair()
		if err != nil {
			return nil, err
		}
		if !taken[p] && !taken[p+1] {
			taken[p], taken[p+1] = true, true
			ports = append(ports, p)
		}
	}
	return ports, nil
}

// bootstrap initialises the cluster through node 0, unseals node 0 and then
// each follower (a follower accepts the key only once retry_join has fetched
// node 0's challenge, which it retries every 2s), and waits until it is whole:
// one active node, and every node a raft voter. Followers join as non-voters
// and autopilot promotes them once stable; until then the active node is the
// only voter and killing it would leave no one able to take over.
func (c *Cluster) bootstrap() error {
	for i, node := range c.nodes {
		var err error
		if node.client, err = NewClient(c.Nodes[i], ""); err != nil {
			return err
		}
		if node.probe, err = NewClient(c.Nodes[i], ""); err != nil {
			return err
		}
		// A probe must not stall a wait on a hung node.
		node.probe.SetClientTimeout(2 * time.Second)
	}
	if err := c.retry("node 0 listening", func() error {
		_, err := c.nodes[0].probe.Sys().SealStatus()
		return err
	}); err != nil {
		return err
	}
	init, err := c.nodes[0].client.Sys().Init(&api.InitRequest{SecretShares: 1, SecretThreshold: 1})
	if err != nil {
		return fmt.Errorf("sys/init on node 0: %w", err)
	}
	c.RootToken, c.unsealKey = init.RootToken, init.Keys[0]
	for i, node := range c.nodes {
		node.client.SetToken(c.RootToken)
		if err := c.retry(fmt.Sprintf("unsealing node %d", i), func() error {
			status, err := node.client.Sys().Unseal(c.unsealKey)
			if err == nil && status.Sealed {
				err = errors.New("still sealed")
			}
			return err
		}); err != nil {
			return err
		}
		if i == 0 { // before any follower joins, once node 0 is active: shorten autopilot's wait (default 10s)
			if err := c.retry("configuring autopilot", func() error {
				_, err := c.nodes[0].client.Logical().Write("sys/storage/raft/autopilot/configuration",
					map[string]any{"server_stabilization_time": "1s"})
				return err
			}); err != nil {
				return err
			}
		}
	}
	active, err := c.waitForActive()
	if err == nil && active != 0 {
		err = fmt.Errorf("node %d is active, not node 0, which was initialised", active)
	}
	if err != nil {
		return err
	}
	return c.retry("waiting for every node to be a raft voter", func() error {
		secret, err := c.nodes[0].client.Logical().Read("sys/storage/raft/configuration")
		if err != nil || secret == nil {
			return fmt.Errorf("sys/storage/raft/configuration: %v", err)
		}
		config, _ := secret.Data["config"].(map[string]any)
		servers, _ := config["servers"].([]any)
		voters := 0
		for _, s := range servers {
			if server, _ := s.(map[string]any); server["voter"] == true {
				voters++
			}
		}
		if voters != len(c.nodes) {
			return fmt.Errorf("%d of %d nodes are voters: %v", voters, len(c.nodes), servers)
		}
		return nil
	})
}

// retry calls f until it succeeds or startTimeout passes, failing early if a
// node has exited that was not killed on purpose.
func (c *Cluster) retry(what string, f func() error) error {
	return poll(what, c.crashed, f)
}

// crashed says which node exited without Kill, or nil.
func (c *Cluster) crashed() error {
	for i, node := range c.nodes {
		select {
		case <-node.exited:
			if !node.killed() {
				return fmt.Errorf("node %d exited (%v)", i, node.cmd.ProcessState)
			}
		default:
		}
	}
	return nil
}

// Client is a root client for node i; shared, so do not change its token,
// namespace or headers. Like NewClient's, it never retries.
func (c *Cluster) Client(i int) *api.Client { return c.nodes[i].client }

// Active returns the index of the node that is active now, or -1 if none is
// (during a failover).
func (c *Cluster) Active() int {
	for i, node := range c.nodes {
		if node.alive() {
			h, err := node.probe.Sys().Health()
			if err == nil && h.Initialized && !h.Sealed && !h.Standby {
				return i
			}
		}
	}
	return -1
}

// WaitForActive waits until exactly one live node is active and every other
// live node is an unsealed standby that names it as leader (so it forwards
// requests to it), and returns the active node's index. It fails the test if
// that does not happen within a minute.
func (c *Cluster) WaitForActive(t testing.TB) int {
	t.Helper()
	active, err := c.waitForActive()
	if err != nil {
		t.Fatalf("vaulttest cluster: %v\n%s", err, c.logTails(30))
	}
	return active
}

func (c *Cluster) waitForActive() (int, error) {
	active := -1
	err := c.retry("waiting for one active node and the rest standbys", func() error {
		active = -1
		for i, node := range c.nodes {
			if !node.alive() {
				continue
			}
			h, err := node.probe.Sys().Health()
			switch {
			case err != nil:
				return fmt.Errorf("node %d: %w", i, err)
			case !h.Initialized || h.Sealed:
				return fmt.Errorf("node %d is not initialised and unsealed", i)
			case h.Standby:
				continue
			case active >= 0:
				return fmt.Errorf("nodes %d and %d are both active", active, i)
			}
			active = i
		}
		if active < 0 {
			return errors.New("no node is active")
		}
		for i, node := range c.nodes {
			if i == active || !node.alive() {
				continue
			}
			leader, err := node.probe.Sys().Leader()
			if err != nil {
				return fmt.Errorf("node %d: sys/leader: %w", i, err)
			}
			if leader.IsSelf || leader.LeaderAddress != c.Nodes[active] {
				return fmt.Errorf("node %d follows %q, not the active node %d", i, leader.LeaderAddress, active)
			}
		}
		return nil
	})
	return active, err
}

// Kill SIGKILLs node i (its whole process group), as a crash would, and
// waits until it has exited.
func (c *Cluster) Kill(i int) {
	node := c.nodes[i]
	_ = syscall.Kill(-node.cmd.Process.Pid, syscall.SIGKILL)
	<-node.exited
}

func (n *clusterNode) alive() bool {
	select {
	case <-n.exited:
		return false
	default:
		return true
	}
}

// killed reports whether the node died of SIGKILL (Kill, not a crash of its own).
func (n *clusterNode) killed() bool {
	ws, ok := n.cmd.ProcessState.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL
}

// stop terminates every node at once; it is safe to call more than once.
func (c *Cluster) stop() {
	var wg sync.WaitGroup
	for _, node := range c.nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stopGroup(node.cmd, node.exited, 10*time.Second)
		}()
	}
	wg.Wait()
}

// logTails is the last lines of every node's log.
func (c *Cluster) logTails(lines int) string {
	var b strings.Builder
	for i, node := range c.nodes {
		text, err := os.ReadFile(node.logPath)
		if err != nil {
			text = []byte(err.Error())
		}
		fmt.Fprintf(&b, "--- vault node %d (%s) log, last lines ---\n%s\n", i, c.Nodes[i], tail(string(text), lines))
	}
	return b.String()
}
