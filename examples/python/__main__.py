"""Entry point for `pulumi up`; the program is in awsauth.py."""

from awsauth import program

program()
