module wsec

go 1.26
