import AWSMFACore
import Foundation
import Testing

@Suite struct SigV4Tests {
  // AWS's published example keys and moment (Signature Version 4 test suite and IAM docs).
  let credentials = SigningCredentials(
    accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
  let date = Date(timeIntervalSince1970: 1_440_938_160)  // 20150830T123600Z

  func signature(_ headers: [(String, String)]) -> String? {
    headers.first { $0.0 == "Authorization" }?.1.components(separatedBy: "Signature=").last
  }

  @Test func awsTestSuiteGetVanilla() {
    let signer = SigV4Signer(credentials: credentials, region: "us-east-1", service: "service")
    let request = SignableRequest(method: "GET", host: "example.amazonaws.com")
    #expect(
      signature(signer.sign(request, date: date))
        == "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")
  }

  @Test func awsTestSuiteGetVanillaQuery() {
    let signer = SigV4Signer(credentials: credentials, region: "us-east-1", service: "service")
    let request = SignableRequest(
      method: "GET", host: "example.amazonaws.com",
      query: [("Param2", "value2"), ("Param1", "value1")])
    #expect(
      signature(signer.sign(request, date: date))
        == "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500")
  }

  @Test func awsIAMDocumentationExample() {
    let signer = SigV4Signer(credentials: credentials, region: "us-east-1", service: "iam")
    let request = SignableRequest(
      method: "GET", host: "iam.amazonaws.com",
      query: [("Action", "ListUsers"), ("Version", "2010-05-08")],
      headers: [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")])
    #expect(
      signature(signer.sign(request, date: date))
        == "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7")
  }

  @Test func sessionTokenIsSignedAndSent() {
    var withToken = credentials
    withToken.sessionToken = "TOKEN"
    let headers = SigV4Signer(credentials: withToken, region: "eu-west-1", service: "sts")
      .sign(SignableRequest(method: "POST", host: "sts.eu-west-1.amazonaws.com"), date: date)
    #expect(headers.contains { $0 == ("X-Amz-Security-Token", "TOKEN") })
    #expect(headers.last?.1.contains("SignedHeaders=host;x-amz-date;x-amz-security-token") == true)
    #expect(
      headers.last?.1.contains("Credential=AKIDEXAMPLE/20150830/eu-west-1/sts/aws4_request") == true
    )
  }

  /// The same STS request signed by botocore (the AWS CLI's signer) must match byte for byte.
  @Test(arguments: ["", "SESSIONTOKEN/with+odd=chars"])
  func matchesBotocore(token: String) throws {
    let body =
      "Action=GetSessionToken&Version=2011-06-15&SerialNumber=arn%3Aaws%3Aiam%3A%3A1%3Amfa%2Fa%20b&TokenCode=123456"
    var signing = credentials
    signing.sessionToken = token.isEmpty ? nil : token
    let signer = SigV4Signer(credentials: signing, region: "eu-central-1", service: "sts")
    let request = SignableRequest(
      method: "POST", host: "127.0.0.1:4566",
      headers: [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")],
      body: Array(body.utf8))
    let ours = signer.sign(request, date: date).first { $0.0 == "Authorization" }?.1
    let script = """
      import sys, datetime
      from unittest import mock
      from botocore.auth import SigV4Auth
      from botocore.awsrequest import AWSRequest
      from botocore.credentials import Credentials
      token = sys.argv[1] or None
      creds = Credentials('AKIDEXAMPLE', 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', token)
      req = AWSRequest(method='POST', url='http://127.0.0.1:4566/', data=sys.argv[2].encode(),
          headers={'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8'})
      fixed = datetime.datetime(2015, 8, 30, 12, 36, 0)
      with mock.patch('botocore.auth.get_current_datetime', return_value=fixed):
          SigV4Auth(creds, 'sts', 'eu-central-1').add_auth(req)
      print(req.headers['Authorization'])
      """
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script, token, body]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    process.waitUntilExit()
    let theirs = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
      .trimmingCharacters(in: .whitespacesAndNewlines)
    #expect(process.terminationStatus == 0, "botocore must be installed (pip install botocore)")
    #expect(ours == theirs)
  }

  @Test func uriEncodingIsRFC3986() {
    #expect(SigV4Signer.uriEncode("a b/c:d~e_f.g-h*") == "a%20b%2Fc%3Ad~e_f.g-h%2A")
    #expect(SigV4Signer.uriEncode("é") == "%C3%A9")
  }
}
