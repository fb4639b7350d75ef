# Module of tests/data/terraform/main.tf: a transcoding grant for a role made elsewhere.

variable "role_name" {
  type        = string
  description = "The RAM role that runs the pipeline"
}

resource "alicloud_ram_policy" "transcode" {
  policy_name = "media-transcode"
  policy_document = jsonencode({
    Version = "1"
    Statement = [{
      Effect   = "Allow"
      Action   = ["ice:SubmitTranscodeJob", "ice:GetTranscodeJob"]
      Resource = "*"
    }]
  })
}

resource "alicloud_ram_role_policy_attachment" "transcode" {
  role_name   = var.role_name
  policy_name = alicloud_ram_policy.transcode.policy_name
  policy_type = "Custom"
}
