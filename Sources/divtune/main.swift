import Foundation
print("divtune")
