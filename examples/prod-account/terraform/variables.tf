variable "security_account_id" {
  description = "The security account, whose people operate production."
  type        = string
  default     = "111111111111"
}

variable "partner_account_id" {
  description = "The reporting partner's account."
  type        = string
  default     = "444455556666"
}
