# W1 of bench/README.md in base R: the tutorial's vectorized 2-4-1 network with %*%.
#
# Rscript r_w1.R FIXTURE.json  ->  one JSON line, like numpy_workloads.py and scratchnet's
# `examples/workloads.rs`.
#
# Base R only (no CRAN packages, so no jsonlite): the fixture is read by the small JSON parser
# below, which handles the subset the fixture uses (objects, arrays, numbers, strings, literals).

read_json <- function(path) {
  s <- paste(readLines(path, warn = FALSE), collapse = "\n")
  tok <- regmatches(s, gregexpr(
    '"(\\\\.|[^"\\\\])*"|-?[0-9][0-9.eE+-]*|[][{}:,]|true|false|null', s, perl = TRUE))[[1]]
  i <- 0L
  nxt <- function() { i <<- i + 1L; tok[i] }
  value <- function() {
    t <- nxt()
    if (t == "{") {
      out <- list()
      if (tok[i + 1L] == "}") { nxt(); return(out) }
      repeat {
        key <- gsub('^"|"$', "", nxt())
        stopifnot(nxt() == ":")
        v <- value()
        out[key] <- list(v)
        t <- nxt()
        if (t == "}") return(out)
        stopifnot(t == ",")
      }
    } else if (t == "[") {
      out <- list()
      if (tok[i + 1L] == "]") { nxt(); return(out) }
      repeat {
        out[[length(out) + 1L]] <- value()
        t <- nxt()
        if (t == "]") break
        stopifnot(t == ",")
      }
      # an array of numbers becomes a numeric vector; an array of arrays stays a list
      if (all(vapply(out, function(x) is.numeric(x) && length(x) == 1L, TRUE))) unlist(out) else out
    } else if (startsWith(t, '"')) {
      gsub('\\\\(.)', "\\1", substr(t, 2L, nchar(t) - 1L))
    } else if (t == "true") TRUE else if (t == "false") FALSE else if (t == "null") NULL
    else as.numeric(t)
  }
  value()
}

# rows of a JSON matrix (a list of numeric vectors) -> R matrix
as_mat <- function(rows) do.call(rbind, rows)

sigmoid <- function(z) 1 / (1 + exp(-z))

args <- commandArgs(trailingOnly = TRUE)
f <- read_json(args[[1]])
X <- as_mat(f$X)                       # 2 x 320
Y <- matrix(f$Y, nrow = 1)             # 1 x 320
W1 <- as_mat(f$initial$W1); b1 <- f$initial$b1   # 4 x 2, length 4
W2 <- as_mat(f$initial$W2); b2 <- f$initial$b2   # 1 x 4, length 1
m <- ncol(X)
lr <- 1.2

# 2-4-1 tanh/sigmoid, 10,000 full-batch epochs, lr 1.2, loss computed every epoch. A bias
# vector added to a matrix recycles down each column (column-major), i.e. broadcasts per unit.
start <- proc.time()[["elapsed"]]
for (epoch in 1:10000) {
  Z1 <- W1 %*% X + b1
  A1 <- tanh(Z1)
  Z2 <- W2 %*% A1 + b2
  A2 <- sigmoid(Z2)
  loss <- -mean(Y * log(A2) + (1 - Y) * log(1 - A2))
  dZ2 <- A2 - Y
  dW2 <- dZ2 %*% t(A1) / m
  db2 <- rowSums(dZ2) / m
  dZ1 <- (t(W2) %*% dZ2) * (1 - A1^2)
  dW1 <- dZ1 %*% t(X) / m
  db1 <- rowSums(dZ1) / m
  W1 <- W1 - lr * dW1
  b1 <- b1 - lr * db1
  W2 <- W2 - lr * dW2
  b2 <- b2 - lr * db2
}
s <- proc.time()[["elapsed"]] - start

A2 <- sigmoid(W2 %*% tanh(W1 %*% X + b1) + b2)
acc <- mean((A2 > 0.5) == (Y > 0.5))
cat(sprintf('{"workload": "w1", "seconds": %.17g, "per_epoch_us": %.17g, "accuracy": %.17g, "final_loss": %.17g}\n',
            s, s / 10000 * 1e6, acc, loss))
