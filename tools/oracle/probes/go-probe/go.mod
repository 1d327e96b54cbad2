module vgetrandom/oracle/go-probe

go 1.24
