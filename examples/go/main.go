// Command main is the Go example; see README.md.
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/vaultawsauth/pulumi-vaultawsauth/examples/go/awsauth"
)

func main() {
	pulumi.Run(awsauth.Program)
}
